using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using Serilog;
using Serilog.Events;

namespace FedActors.Host.Logging;

/// <summary>
/// Akka logger that forwards the actor system's log events to Serilog's static logger (Akka.Logger.Serilog is not
/// served by our package source, and this is all of it we need). Enabled by
/// <c>akka.loggers = ["FedActors.Host.Logging.SerilogLogger, fedactors"]</c> in hocon/akka.conf.
/// </summary>
public sealed class SerilogLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    public SerilogLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<Error>(e => Write(LogEventLevel.Error, e));
        Receive<Warning>(e => Write(LogEventLevel.Warning, e));
        Receive<Info>(e => Write(LogEventLevel.Information, e));
        Receive<Debug>(e => Write(LogEventLevel.Debug, e));
    }

    private static void Write(LogEventLevel level, Akka.Event.LogEvent e) =>
        Log.Logger
            .ForContext("SourceContext", e.LogSource)
            .ForContext("Thread", e.Thread.ManagedThreadId)
            .Write(level, e.Cause, "{AkkaMessage:l}", e.Message?.ToString() ?? "");
}
