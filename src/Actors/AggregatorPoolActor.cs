using Akka.Actor;
using Akka.Event;
using FedActors.Aggregation;

namespace FedActors.Actors;

/// <summary>
/// Splits the coordinates into contiguous, block-aligned ranges, one per shard actor, and runs a coordinate-wise rule
/// on every range in parallel. Shards write straight into their slice of the requester's output buffer, so in one
/// process nothing is copied per shard; the result does not depend on the shard count because coordinate j's value
/// depends only on column j.
/// </summary>
public sealed class AggregatorPoolActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef[] _shards;
    private readonly CoordinateRange[] _ranges;
    private IActorRef _requester = ActorRefs.Nobody;
    private int _round;
    private int _pending;

    public AggregatorPoolActor(ICoordinateWiseRule rule, int shards, int columns)
    {
        if (shards < 1) throw new ArgumentOutOfRangeException(nameof(shards), shards, "the pool needs at least one shard");
        _ranges = CoordinatePartition.Split(columns, shards);
        _shards = new IActorRef[shards];
        for (var i = 0; i < shards; i++)
            _shards[i] = Context.ActorOf(AggregatorShardActor.Props(i, rule), $"shard-{i}");
        Idle();
    }

    public static Props Props(ICoordinateWiseRule rule, int shards, int columns) =>
        Akka.Actor.Props.Create(() => new AggregatorPoolActor(rule, shards, columns));

    private void Idle()
    {
        Receive<AggregationRequested>(request =>
        {
            if (request.Matrix.Columns != request.Output.Length || request.Matrix.Columns != _ranges[^1].End)
            {
                Sender.Tell(new AggregationFailed(request.Round,
                    $"matrix has {request.Matrix.Columns} columns, output {request.Output.Length}, pool was built for {_ranges[^1].End}"));
                return;
            }
            _requester = Sender;
            _round = request.Round;
            _pending = 0;
            for (var i = 0; i < _shards.Length; i++)
            {
                if (_ranges[i].Length == 0)
                    continue;
                _pending++;
                _shards[i].Tell(new ShardWorkAssigned(request.Round, request.Matrix, _ranges[i], request.Output));
            }
            Become(Waiting);
        });
        ReceiveAny(message => _log.Debug("Aggregator pool idle; ignoring {0}", message.GetType().Name));
    }

    private void Waiting()
    {
        Receive<ShardWorkCompleted>(done => done.Round == _round, _ =>
        {
            if (--_pending > 0)
                return;
            _requester.Tell(new AggregateComputed(_round));
            Become(Idle);
        });
        Receive<ShardWorkFailed>(failed => failed.Round == _round, failed =>
        {
            _requester.Tell(new AggregationFailed(_round, $"shard {failed.ShardIndex}: {failed.Reason}"));
            Become(Idle);
        });
        Receive<AggregationRequested>(request =>
            Sender.Tell(new AggregationFailed(request.Round, $"the pool is still aggregating round {_round}")));
        ReceiveAny(message => _log.Debug("Aggregator pool waiting on round {0}; ignoring {1}", _round, message.GetType().Name));
    }
}

/// <summary>Aggregates one coordinate range with its own workspace, so shards never share scratch memory.</summary>
public sealed class AggregatorShardActor : ReceiveActor
{
    public AggregatorShardActor(int index, ICoordinateWiseRule rule)
    {
        var workspace = new AggregationWorkspace();
        Receive<ShardWorkAssigned>(work =>
        {
            try
            {
                rule.AggregateRange(work.Matrix, work.Range, work.Output.AsSpan(work.Range.Start, work.Range.Length), workspace);
                Sender.Tell(new ShardWorkCompleted(work.Round, index));
            }
            catch (Exception e)
            {
                // Reported, not thrown: the pool must answer the round whatever went wrong, and a supervisor restart
                // would neither tell the pool nor fix the input.
                Sender.Tell(new ShardWorkFailed(work.Round, index, e.Message));
            }
        });
    }

    public static Props Props(int index, ICoordinateWiseRule rule) => Akka.Actor.Props.Create(() => new AggregatorShardActor(index, rule));
}
