//! Deleting salts whose days are over, from the commands that run every day (drain,
//! aggregate) as well as from the collectors that use them: a stopped collector must not leave
//! a salt behind for longer than its lifetime.

use crate::backend::Backend;

/// Deletes the salts of the day before yesterday and older (in the deployment's time zone):
/// their days ended at least a day ago, and no collector uses them any more. A failure is
/// logged, not fatal: the command's own work goes on, and the next run tries again.
pub async fn delete_old_salts(backend: &Backend) {
    let keep_from = backend.zone.yesterday();
    match backend.salts.delete_salts_before(keep_from).await {
        Ok(0) => {}
        Ok(deleted) => tracing::info!(deleted, "visitor salts of days over deleted"),
        Err(err) => tracing::warn!(
            %err,
            "cannot delete the visitor salts of days that are over; the next drain or \
             aggregate tries again"
        ),
    }
}
