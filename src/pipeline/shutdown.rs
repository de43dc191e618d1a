//! Graceful stop on SIGINT/SIGTERM: the signal is noted, and loops finish the work in flight.

use tokio::sync::watch;

/// A cloneable view of "has a stop been asked for?".
#[derive(Clone)]
pub struct Shutdown {
    receiver: watch::Receiver<bool>,
}

/// The side that asks for a stop (a signal handler, or a test).
pub struct ShutdownTrigger {
    sender: watch::Sender<bool>,
}

impl ShutdownTrigger {
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }
}

impl Shutdown {
    pub fn new() -> (ShutdownTrigger, Shutdown) {
        let (sender, receiver) = watch::channel(false);
        (ShutdownTrigger { sender }, Shutdown { receiver })
    }

    /// A shutdown that SIGINT or SIGTERM triggers. Must be called inside the runtime.
    pub fn on_signals() -> Shutdown {
        let (trigger, shutdown) = Shutdown::new();
        tokio::spawn(async move {
            wait_for_signal().await;
            // A requested stop is normal operation, not a warning; a command may say it plainly.
            tracing::info!("stop requested: finishing the work in flight");
            trigger.trigger();
            // Keep the sender alive so receivers never see a closed channel as a stop.
            std::future::pending::<()>().await;
        });
        shutdown
    }

    pub fn is_requested(&self) -> bool {
        *self.receiver.borrow()
    }

    /// Resolves once a stop has been asked for.
    pub async fn requested(&self) {
        let mut receiver = self.receiver.clone();
        // An error means the trigger is gone without firing: then no stop will come.
        if receiver.wait_for(|stop| *stop).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        tracing::warn!("cannot listen for signals; stop with a kill instead");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = interrupt.recv() => {},
        _ = terminate.recv() => {},
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
