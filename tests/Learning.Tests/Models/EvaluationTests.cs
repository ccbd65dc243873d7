using Xunit;

namespace FedActors.Learning.Tests;

public class EvaluationTests
{
    [Fact]
    public void Accuracy_counts_rows_whose_prediction_matches_the_label()
    {
        // W = [[1, 0], [0, 1], [-1, -1]], b = 0. Logits: (2, 1) -> (2, 1, -3) class 0; (0, 3) -> (0, 3, -3) class 1;
        // (-1, -1) -> (-1, -1, 2) class 2; (1, 2) -> (1, 2, -3) class 1 but labelled 0. Three of four are right.
        var data = new Dataset(4, 2, [2, 1, 0, 3, -1, -1, 1, 2], [0, 1, 2, 0], classCount: 3);
        var model = new SoftmaxRegressionModel(2, 3);
        float[] parameters = [1, 0, 0, 1, -1, -1, 0, 0, 0];
        Assert.Equal(0.75, Evaluation.Accuracy(model, parameters, data));
    }

    [Fact]
    public void MeanLoss_averages_over_every_row()
    {
        // theta = 0: losses y^2 / 2 = 0.5, 2, 4.5; mean 7/3.
        var data = new Dataset(3, 1, [5, 6, 7], [1, 2, 3], classCount: 0);
        Assert.Equal(7.0 / 3.0, Evaluation.MeanLoss(new LinearRegressionModel(1), [0f], data), 12);
    }
}
