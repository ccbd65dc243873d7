using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using LogEvent = Serilog.Events.LogEvent;
using Xunit;

namespace FedActors.Host.Tests;

/// <summary>Tests that replace Serilog's static logger; they must not run beside each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerilogStaticLoggerCollection
{
    public const string Name = "Serilog static logger";
}

[Collection(SerilogStaticLoggerCollection.Name)]
public class SerilogLoggerTests
{
    [Fact]
    public async Task Akka_log_events_reach_serilog_with_their_level_source_and_exception()
    {
        var sink = new CollectingSink(expected: 2);
        var previous = Log.Logger;
        Log.Logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger();
        var system = ActorSystem.Create("serilog-test", ConfigurationFactory.ParseString("""
            akka.loggers = ["FedActors.Host.Logging.SerilogLogger, fedactors"]
            akka.loglevel = INFO
            akka.stdout-loglevel = OFF
            """));
        try
        {
            var actor = system.ActorOf(Props.Create(() => new Chatty()), "chatty");
            actor.Tell("go");

            var events = await sink.All.WaitAsync(TimeSpan.FromSeconds(10));

            var warning = Assert.Single(events, e => e.Level == LogEventLevel.Warning);
            Assert.Equal("worker 7 is late", warning.RenderMessage());
            Assert.Contains("chatty", warning.Properties["SourceContext"].ToString());
            var error = Assert.Single(events, e => e.Level == LogEventLevel.Error);
            Assert.IsType<InvalidOperationException>(error.Exception);
            Assert.DoesNotContain(events, e => e.Level == LogEventLevel.Debug);
        }
        finally
        {
            await system.Terminate();
            Log.Logger = previous;
        }
    }

    private sealed class Chatty : ReceiveActor
    {
        public Chatty()
        {
            var log = Context.GetLogger();
            Receive<string>(_ =>
            {
                log.Debug("below the configured level");
                log.Warning("worker {0} is late", 7);
                log.Error(new InvalidOperationException("boom"), "aggregation failed");
            });
        }
    }

    /// <summary>Collects the events whose source is the test actor; completes once it has the expected number.</summary>
    private sealed class CollectingSink(int expected) : ILogEventSink
    {
        private readonly ConcurrentQueue<LogEvent> _events = new();
        private readonly TaskCompletionSource<IReadOnlyList<LogEvent>> _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<IReadOnlyList<LogEvent>> All => _all.Task;

        public void Emit(LogEvent logEvent)
        {
            if (!logEvent.Properties.TryGetValue("SourceContext", out var source) || !source.ToString().Contains("chatty"))
                return;
            _events.Enqueue(logEvent);
            if (_events.Count >= expected)
                _all.TrySetResult(_events.ToArray());
        }
    }
}
