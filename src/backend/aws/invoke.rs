//! Invoking a function asynchronously: what the daily schedule does to count a day's parts on
//! as many function instances (`lambda/parts.rs`).

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;

use super::lambda::Lambda;
use super::request::call;
use crate::backend::BackendResult;

impl Lambda {
    /// Queues one invocation of `function` with `payload` (Lambda runs it, and retries it
    /// twice if it fails, on an instance of its own); answered once Lambda has taken it.
    pub async fn invoke_async(&self, function: &str, payload: &[u8]) -> BackendResult<()> {
        call(&self.retry, &format!("Invoke {function}"), || {
            self.client
                .invoke()
                .function_name(function)
                .invocation_type(InvocationType::Event)
                .payload(Blob::new(payload.to_vec()))
                .send()
        })
        .await?;
        Ok(())
    }
}
