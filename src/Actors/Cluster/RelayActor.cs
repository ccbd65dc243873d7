using Akka.Actor;
using Akka.Event;

namespace FedActors.Actors.Cluster;

/// <summary>Send <paramref name="Message"/> to <paramref name="Recipient"/>, which may live on another node; the
/// relay keeps the original sender.</summary>
public sealed record Outbound(IActorRef Recipient, object Message);

/// <summary>Published on the event stream when a relayed message could not be rebuilt or read; it is not delivered.</summary>
public sealed record RelayedMessageDropped(string Reason);

/// <summary>
/// The one door between this node and the others for FedActors messages (one per node, at /user/relay). Outgoing: the
/// message is serialized by the serializer Akka binds to it (vectors by <c>VectorMessageSerializer</c>), and the frame
/// crosses to the peer node's relay as chunks of at most <c>chunkBytes</c>, so no Akka frame grows with the model.
/// Incoming: chunks are reassembled per (sending relay, message id), the frame is read by its own serializer (which
/// checks its CRC), and the message is delivered locally.
/// </summary>
/// <remarks>
/// A remote sender is delivered as a local proxy (<see cref="RelayProxyActor"/>, one per remote actor) that relays
/// whatever it is told back to that actor. So the usual <c>Sender.Tell(reply)</c> also crosses in chunks, and an actor
/// reference crosses nodes only as the sender of a relayed message: the receiving side always holds the same proxy
/// for the same remote actor, which is what the coordinator's identity-by-sender check relies on.
/// A proxy watches its remote actor and stops when that actor stops or its node is removed, so whoever watches the
/// proxy (the coordinator, the coalition) learns that the remote actor is gone.
/// </remarks>
public sealed class RelayActor : ReceiveActor
{
    public const string Name = "relay";

    private readonly int _chunkBytes;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Akka.Serialization.Serialization _serialization = Context.System.Serialization;
    private readonly IActorRefProvider _provider = ((ExtendedActorSystem)Context.System).Provider;
    private readonly ChunkReassembler<IActorRef> _reassembler = new();
    private readonly Dictionary<string, IActorRef> _proxyByTarget = new();
    private readonly Dictionary<IActorRef, string> _targetByProxy = new();
    private readonly Dictionary<Address, IActorRef> _peers = new();
    private readonly HashSet<IActorRef> _watchedPeers = [];
    private long _nextMessageId;
    private int _nextProxy;

    public RelayActor(int chunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1024, nameof(chunkBytes));
        _chunkBytes = chunkBytes;
        Receive<Outbound>(outbound => Send(outbound.Recipient, outbound.Message, Sender));
        Receive<RelayChunk>(OnChunk);
        Receive<Terminated>(OnTerminated);
    }

    public static Props Props(int chunkBytes) => Akka.Actor.Props.Create(() => new RelayActor(chunkBytes));

    /// <summary>Messages sent to other nodes by this relay (chunked or not).</summary>
    private void Send(IActorRef recipient, object message, IActorRef sender)
    {
        if (recipient.Path.Address.HasLocalScope)
        {
            recipient.Tell(message, sender);
            return;
        }
        byte[] frame;
        Akka.Serialization.Serializer serializer;
        string manifest;
        try
        {
            serializer = _serialization.FindSerializerFor(message);
            manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
            frame = serializer.ToBinary(message);
        }
        catch (Exception e)
        {
            Dropped($"{message.GetType().Name} to {recipient.Path} could not be serialized: {e.Message}");
            return;
        }
        var header = new RelayChunk(_nextMessageId++, 0, 0, 0, serializer.Identifier, manifest,
            recipient.Path.ToSerializationFormat(), FullPath(sender), default);
        var peer = PeerRelay(recipient.Path.Address);
        foreach (var chunk in ChunkSplitter.Split(frame, _chunkBytes, header))
            peer.Tell(chunk, Self);
    }

    private void OnChunk(RelayChunk chunk)
    {
        if (_watchedPeers.Add(Sender))
            Context.Watch(Sender);
        var (frame, errors) = _reassembler.Accept(Sender, chunk);
        foreach (var error in errors)
            Dropped($"from {Sender.Path.Address}: {error}");
        if (frame is null)
            return;
        object message;
        try
        {
            message = _serialization.Deserialize(frame.Frame, frame.SerializerId, frame.Manifest);
        }
        catch (Exception e)
        {
            Dropped($"from {Sender.Path.Address}: message {frame.MessageId} ({frame.Frame.Length} bytes) could not be read: {e.Message}");
            return;
        }
        var recipient = _provider.ResolveActorRef(frame.RecipientPath);
        var sender = frame.SenderPath.Length == 0 ? ActorRefs.NoSender : ProxyFor(_provider.ResolveActorRef(frame.SenderPath));
        recipient.Tell(message, sender);
    }

    private void OnTerminated(Terminated terminated)
    {
        if (_targetByProxy.Remove(terminated.ActorRef, out var target))
        {
            _proxyByTarget.Remove(target);
            return;
        }
        if (_watchedPeers.Remove(terminated.ActorRef))
        {
            var dropped = _reassembler.Forget(terminated.ActorRef);
            if (dropped > 0)
                Dropped($"the relay of {terminated.ActorRef.Path.Address} stopped with {dropped} message(s) half received");
        }
    }

    private IActorRef ProxyFor(IActorRef actor)
    {
        if (actor.Path.Address.HasLocalScope || actor.IsNobody())
            return actor;
        var target = actor.Path.ToSerializationFormat();
        if (_proxyByTarget.TryGetValue(target, out var proxy))
            return proxy;
        proxy = Context.ActorOf(RelayProxyActor.Props(actor, Self), $"proxy-{_nextProxy++}");
        Context.Watch(proxy);
        _proxyByTarget.Add(target, proxy);
        _targetByProxy.Add(proxy, target);
        return proxy;
    }

    private IActorRef PeerRelay(Address address)
    {
        if (!_peers.TryGetValue(address, out var peer))
        {
            peer = _provider.ResolveActorRef(new RootActorPath(address) / "user" / Name);
            _peers.Add(address, peer);
        }
        return peer;
    }

    private string FullPath(IActorRef actor) =>
        actor.IsNobody() ? ""
        : actor.Path.Address.HasLocalScope ? actor.Path.ToSerializationFormatWithAddress(_provider.DefaultAddress)
        : actor.Path.ToSerializationFormat();

    private void Dropped(string reason)
    {
        _log.Error("Relayed message dropped: {0}", reason);
        Context.System.EventStream.Publish(new RelayedMessageDropped(reason));
    }
}

/// <summary>Stands in, on this node, for an actor on another node: relays what it is told, keeping the sender, and
/// stops when that actor stops or its node is removed from the cluster.</summary>
public sealed class RelayProxyActor : ReceiveActor
{
    private readonly IActorRef _target;

    public RelayProxyActor(IActorRef target, IActorRef relay)
    {
        _target = target;
        Receive<Terminated>(terminated => terminated.ActorRef.Equals(target), _ => Context.Stop(Self));
        ReceiveAny(message => relay.Tell(new Outbound(target, message), Sender));
    }

    public static Props Props(IActorRef target, IActorRef relay) => Akka.Actor.Props.Create(() => new RelayProxyActor(target, relay));

    protected override void PreStart() => Context.Watch(_target);
}
