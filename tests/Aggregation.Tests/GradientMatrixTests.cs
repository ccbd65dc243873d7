namespace FedActors.Aggregation.Tests;

public class GradientMatrixTests
{
    private static GradientMatrix Labelled(int rows, int columns)
    {
        var matrix = new GradientMatrix(rows, columns);
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < columns; j++)
                matrix.Row(i)[j] = i * 1000 + j;
        return matrix;
    }

    [Fact]
    public void Rows_are_separate_and_exactly_columns_long()
    {
        var matrix = Labelled(5, 37);
        Assert.Equal(5, matrix.Rows);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(37, matrix.RowView(i).Length);
            Assert.Equal(Enumerable.Range(0, 37).Select(j => (float)(i * 1000 + j)), matrix.RowView(i).ToArray());
        }
    }

    [Fact]
    public void Compact_moves_present_rows_to_the_front_in_worker_id_order()
    {
        var matrix = Labelled(6, 3);
        var kept = matrix.Compact([false, true, true, false, true, false]);

        Assert.Equal(3, kept);
        Assert.Equal(3, matrix.Rows);
        Assert.Equal([1000f, 1001f, 1002f], matrix.RowView(0).ToArray());
        Assert.Equal([2000f, 2001f, 2002f], matrix.RowView(1).ToArray());
        Assert.Equal([4000f, 4001f, 4002f], matrix.RowView(2).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.RowView(3));
    }

    [Fact]
    public void Compact_with_every_slot_present_keeps_everything_in_place()
    {
        var matrix = Labelled(4, 2);
        Assert.Equal(4, matrix.Compact([true, true, true, true]));
        for (var i = 0; i < 4; i++)
            Assert.Equal([i * 1000f, i * 1000f + 1], matrix.RowView(i).ToArray());
    }

    [Fact]
    public void Compact_can_drop_every_row()
    {
        var matrix = Labelled(3, 2);
        Assert.Equal(0, matrix.Compact([false, false, false]));
        Assert.Equal(0, matrix.Rows);
    }

    [Fact]
    public void ResetRows_restores_every_slot_and_allows_compacting_again()
    {
        var matrix = Labelled(3, 2);
        matrix.Compact([true, false, true]);
        Assert.Throws<InvalidOperationException>(() => matrix.Compact([true, true, true]));

        matrix.ResetRows();
        Assert.Equal(3, matrix.Rows);
        Assert.Equal(2, matrix.Compact([false, true, true]));
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradientMatrix(0, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradientMatrix(5, 0));
        Assert.Throws<ArgumentException>(() => new GradientMatrix(100_000, 100_000));
        var matrix = new GradientMatrix(3, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Row(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Row(-1));
        Assert.Throws<ArgumentException>(() => matrix.Compact([true, true]));
    }
}
