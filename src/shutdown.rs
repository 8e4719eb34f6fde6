//! The signals that end a long-running command: Ctrl-C, and the SIGTERM or SIGHUP a service
//! manager, a script's cleanup or a closed terminal sends.

use std::future::Future;

/// Completes when the process is asked to stop. The signals are caught from this call on, not
/// from the future's first poll: a signal sent just after a command says it is ready (and before
/// it awaits this) must stop it cleanly rather than kill it.
pub fn requested() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let signals = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        );
        async move {
            let (Ok(mut interrupt), Ok(mut term), Ok(mut hangup)) = signals else {
                let _ = tokio::signal::ctrl_c().await;
                return;
            };
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = term.recv() => {}
                _ = hangup.recv() => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        let ctrl_c = tokio::signal::ctrl_c();
        async move {
            let _ = ctrl_c.await;
        }
    }
}
