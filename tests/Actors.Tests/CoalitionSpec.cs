using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using FedActors.Aggregation;
using FedActors.Attacks;
using FedActors.Learning;
using Xunit;

namespace FedActors.Actors.Tests;

/// <summary>
/// The collusion channel's protocol with probes for members and a forge that records what it was given. Time is a
/// <see cref="TestScheduler"/>: the coalition's deadline passes only when a test advances the clock.
/// </summary>
public sealed class CoalitionSpec : TestKit
{
    private const int Dimension = 2;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>The known rows of every forging, copied, in the order the coalition passed them.</summary>
    private readonly List<float[][]> _forgings = [];

    public CoalitionSpec() : base("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"")
    {
    }

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    /// <summary>Member k (in id order) gets -(mean of the known rows) + 10k in every coordinate.</summary>
    private sealed class RecordingAttack(List<float[][]> forgings) : ICoalitionAttack
    {
        public string Name => "recording";

        public void Forge(CoalitionKnowledge knowledge, GradientMatrix output, Random random)
        {
            var known = knowledge.Honest;
            var rows = Enumerable.Range(0, known.Rows).Select(i => known.RowView(i).ToArray()).ToArray();
            forgings.Add(rows);
            for (var k = 0; k < output.Rows; k++)
            {
                for (var j = 0; j < Dimension; j++)
                    output.Row(k)[j] = -rows.Average(row => row[j]) + 10f * k;
            }
        }
    }

    private IActorRef StartCoalition(ByzantineRoster roster, AdversaryKnowledge knowledge = AdversaryKnowledge.Own) =>
        Sys.ActorOf(CoalitionActor.Props(new CoalitionSetup(new RecordingAttack(_forgings), knowledge, roster, Dimension, Deadline, TrainingSeed: 3)));

    private static ByzantineRoster OneAndThree() => ByzantineRoster.Fixed([false, true, false, true]);

    private (TestProbe One, TestProbe Three) Join(IActorRef coalition)
    {
        var one = CreateTestProbe("member-1");
        var three = CreateTestProbe("member-3");
        coalition.Tell(new CoalitionMemberJoined(1), one.Ref);
        coalition.Tell(new CoalitionMemberJoined(3), three.Ref);
        return (one, three);
    }

    [Fact]
    public void It_collects_its_members_gradients_in_id_order_and_hands_each_member_its_own_row()
    {
        var coalition = StartCoalition(OneAndThree());
        var (one, three) = Join(coalition);
        coalition.Tell(new RoundStarted(1, new float[Dimension]));

        coalition.Tell(new CoalitionInput(1, 3, [3f, 30f]), three.Ref);
        coalition.Tell(new CoalitionInput(1, 1, [1f, 10f]), one.Ref);

        var toOne = one.ExpectMsg<ForgedGradient>();
        var toThree = three.ExpectMsg<ForgedGradient>();
        var forging = Assert.Single(_forgings);
        Assert.Equal([[1f, 10f], [3f, 30f]], forging);
        Assert.Equal((1, 1), (toOne.Round, toOne.WorkerId));
        Assert.Equal([-2f, -20f], toOne.Gradient);
        Assert.Equal((1, 3), (toThree.Round, toThree.WorkerId));
        Assert.Equal([8f, -10f], toThree.Gradient);
    }

    [Fact]
    public void An_input_that_arrives_before_the_coordinator_opens_the_round_is_kept_for_that_round()
    {
        var coalition = StartCoalition(OneAndThree());
        var (one, three) = Join(coalition);

        // Members hear of round 1 from the coordinator and may answer before the coalition hears of it.
        coalition.Tell(new CoalitionInput(1, 3, [3f, 3f]), three.Ref);
        coalition.Tell(new RoundStarted(1, new float[Dimension]));
        coalition.Tell(new CoalitionInput(1, 1, [1f, 1f]), one.Ref);

        Assert.Equal([-2f, -2f], one.ExpectMsg<ForgedGradient>().Gradient);
        Assert.Equal([8f, 8f], three.ExpectMsg<ForgedGradient>().Gradient);
        Assert.Equal([[1f, 1f], [3f, 3f]], Assert.Single(_forgings));
    }

    [Fact]
    public void An_omniscient_coalition_waits_for_the_tap_of_every_honest_report_and_knows_them_all()
    {
        var coalition = StartCoalition(OneAndThree(), AdversaryKnowledge.Omniscient);
        var (one, three) = Join(coalition);
        coalition.Tell(new RoundStarted(1, new float[Dimension]));

        coalition.Tell(new CoalitionInput(1, 1, [1f, 1f]), one.Ref);
        coalition.Tell(new CoalitionInput(1, 3, [3f, 3f]), three.Ref);
        coalition.Tell(new HonestGradientTapped(1, 2, [2f, 2f]));
        one.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        coalition.Tell(new HonestGradientTapped(1, 0, [0f, 0f]));

        // The honest reports are the population it imitates; its members' own gradients are no longer needed.
        Assert.Equal([-1f, -1f], one.ExpectMsg<ForgedGradient>().Gradient);
        Assert.Equal([9f, 9f], three.ExpectMsg<ForgedGradient>().Gradient);
        Assert.Equal([[0f, 0f], [2f, 2f]], Assert.Single(_forgings));
    }

    [Fact]
    public void A_coalition_that_knows_only_its_own_ignores_taps()
    {
        var coalition = StartCoalition(OneAndThree(), AdversaryKnowledge.Own);
        var (one, three) = Join(coalition);
        coalition.Tell(new RoundStarted(1, new float[Dimension]));

        coalition.Tell(new HonestGradientTapped(1, 0, [100f, 100f]));
        coalition.Tell(new CoalitionInput(1, 1, [1f, 1f]), one.Ref);
        coalition.Tell(new CoalitionInput(1, 3, [3f, 3f]), three.Ref);

        one.ExpectMsg<ForgedGradient>();
        Assert.Equal([[1f, 1f], [3f, 3f]], Assert.Single(_forgings));
    }

    [Fact]
    public void A_dead_member_is_not_waited_for()
    {
        var coalition = StartCoalition(OneAndThree());
        var (one, three) = Join(coalition);
        Watch(three.Ref);
        Sys.Stop(three.Ref);
        ExpectTerminated(three.Ref);
        coalition.Tell(new RoundStarted(1, new float[Dimension]));

        coalition.Tell(new CoalitionInput(1, 1, [4f, 4f]), one.Ref);

        // No clock advance: the coalition forged because every live member had reported.
        Assert.Equal([-4f, -4f], one.ExpectMsg<ForgedGradient>().Gradient);
        Assert.Equal([[4f, 4f]], Assert.Single(_forgings));
    }

    [Fact]
    public void At_its_deadline_it_forges_for_the_members_heard_and_answers_a_late_member_on_arrival()
    {
        var coalition = StartCoalition(OneAndThree());
        var (one, three) = Join(coalition);
        coalition.Tell(new RoundStarted(1, new float[Dimension]));
        coalition.Tell(new CoalitionInput(1, 1, [2f, 6f]), one.Ref);
        one.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        Scheduler.Advance(Deadline);
        Assert.Equal([-2f, -6f], one.ExpectMsg<ForgedGradient>().Gradient);

        coalition.Tell(new CoalitionInput(1, 3, [50f, 50f]), three.Ref);
        var late = three.ExpectMsg<ForgedGradient>();
        Assert.Equal([8f, 4f], late.Gradient);
        Assert.Equal([[2f, 6f]], Assert.Single(_forgings));
    }

    [Fact]
    public void Inputs_from_outside_the_rounds_members_or_for_another_round_are_ignored()
    {
        var coalition = StartCoalition(OneAndThree());
        var (one, three) = Join(coalition);
        var stranger = CreateTestProbe("stranger");
        coalition.Tell(new RoundStarted(2, new float[Dimension]));

        coalition.Tell(new CoalitionInput(2, 1, [9f, 9f]), stranger.Ref);
        coalition.Tell(new CoalitionInput(1, 1, [9f, 9f]), one.Ref);
        coalition.Tell(new CoalitionInput(2, 3, [9f, 9f, 9f]), three.Ref);
        coalition.Tell(new CoalitionInput(2, 1, [1f, 1f]), one.Ref);
        coalition.Tell(new CoalitionInput(2, 3, [3f, 3f]), three.Ref);

        one.ExpectMsg<ForgedGradient>();
        Assert.Equal([[1f, 1f], [3f, 3f]], Assert.Single(_forgings));
        stranger.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    private static ByzantineRoster Dynamic(ulong seed) =>
        new(20, 5, Membership.Dynamic, round => RandomStreams.For(seed, RandomStreams.ByzantineIds, 0, round));

    [Fact]
    public void Dynamic_membership_draws_a_fresh_set_each_round_and_the_same_sets_from_the_same_seed()
    {
        var first = Dynamic(seed: 11);
        var again = Dynamic(seed: 11);
        var other = Dynamic(seed: 12);

        var sets = Enumerable.Range(1, 10).Select(round => first.Members(round)).ToArray();

        Assert.All(sets, set => Assert.Equal(5, set.Distinct().Count()));
        Assert.Equal(sets, Enumerable.Range(1, 10).Select(round => again.Members(round)));
        Assert.True(sets.Select(set => string.Join(',', set)).Distinct().Count() > 5);
        Assert.NotEqual(sets, Enumerable.Range(1, 10).Select(round => other.Members(round)));
        Assert.All(Enumerable.Range(0, 20), id => Assert.True(first.CanBeByzantine(id)));
    }

    [Fact]
    public void With_dynamic_membership_the_coalition_forges_for_each_rounds_own_members()
    {
        var roster = Dynamic(seed: 11);
        var coalition = StartCoalition(roster);
        var probes = Enumerable.Range(0, 20).Select(id => CreateTestProbe($"worker-{id}")).ToArray();
        for (var id = 0; id < 20; id++)
            coalition.Tell(new CoalitionMemberJoined(id), probes[id].Ref);

        foreach (var round in new[] { 1, 2 })
        {
            coalition.Tell(new RoundStarted(round, new float[Dimension]));
            var members = roster.Members(round);
            // An honest worker of this round is ignored even though it joined.
            var honest = Enumerable.Range(0, 20).First(id => !members.Contains(id));
            coalition.Tell(new CoalitionInput(round, honest, [1000f, 1000f]), probes[honest].Ref);
            foreach (var id in members.Reverse())
                coalition.Tell(new CoalitionInput(round, id, [id, id]), probes[id].Ref);

            for (var k = 0; k < members.Length; k++)
            {
                var forged = probes[members[k]].ExpectMsg<ForgedGradient>();
                Assert.Equal((round, members[k]), (forged.Round, forged.WorkerId));
                Assert.Equal((float)(-members.Average() + 10 * k), forged.Gradient[0], 4);
            }
            Assert.Equal(members.Select(id => new float[] { id, id }), _forgings[^1]);
        }
        Assert.NotEqual(roster.Members(1), roster.Members(2));
    }

    [Fact]
    public void A_colluding_worker_hands_its_honest_gradient_to_the_coalition_and_reports_the_forged_vector()
    {
        var data = SyntheticData.LinearRegression(Dimension, 100, 0, 1.0, 1.0, seed: 3);
        var coalition = CreateTestProbe("coalition");
        var setup = new WorkerSetup(1, new LinearRegressionModel(Dimension), data.Train, Enumerable.Range(0, 50).ToArray(),
            BatchSize: 10, TrainingSeed: 7, new ByzantineBehaviour.Colluding(coalition.Ref), OneAndThree());
        var worker = Sys.ActorOf(ByzantineWorkerActor.Props(setup));
        Assert.Equal(1, coalition.ExpectMsg<CoalitionMemberJoined>().WorkerId);

        worker.Tell(new RoundStarted(1, [0.5f, -0.5f]), TestActor);
        var input = coalition.ExpectMsg<CoalitionInput>();
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        var honest = Sys.ActorOf(WorkerActor.Props(setup with { Byzantine = null }));
        honest.Tell(new RoundStarted(1, [0.5f, -0.5f]), TestActor);
        var honestReport = ExpectMsg<GradientReady>();
        Assert.Equal((1, 1), (input.Round, input.WorkerId));
        Assert.Equal(honestReport.Gradient, input.Gradient);

        worker.Tell(new ForgedGradient(1, 1, [7f, 8f]), coalition.Ref);
        var report = ExpectMsg<GradientReady>();
        Assert.Equal((1, 1), (report.Round, report.WorkerId));
        Assert.Equal([7f, 8f], report.Gradient);
        Assert.Equal(honestReport.BatchLoss, report.BatchLoss);
    }

    [Fact]
    public void In_a_round_where_the_roster_makes_it_honest_a_colluding_worker_reports_its_own_gradient()
    {
        var data = SyntheticData.LinearRegression(Dimension, 100, 0, 1.0, 1.0, seed: 3);
        var roster = Dynamic(seed: 11);
        var honestRound = Enumerable.Range(1, 50).First(round => !roster.IsByzantine(0, round));
        var coalition = CreateTestProbe("coalition");
        var setup = new WorkerSetup(0, new LinearRegressionModel(Dimension), data.Train, Enumerable.Range(0, 50).ToArray(),
            BatchSize: 10, TrainingSeed: 7, new ByzantineBehaviour.Colluding(coalition.Ref), roster);
        var worker = Sys.ActorOf(ByzantineWorkerActor.Props(setup));
        coalition.ExpectMsg<CoalitionMemberJoined>();

        worker.Tell(new RoundStarted(honestRound, [0.5f, -0.5f]), TestActor);

        var report = ExpectMsg<GradientReady>();
        Assert.Equal(honestRound, report.Round);
        coalition.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
