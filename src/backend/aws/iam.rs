//! IAM, for the roles `deploy` makes: a role with its trust policy, and its one inline policy.
//! Every call runs under the one retry policy; a role made by an attempt whose answer was lost
//! is found, not made twice.

use percent_encoding::percent_decode_str;

use super::errors::{is_already_there, is_missing};
use super::request::{call, call_unless};
use crate::backend::{BackendError, BackendResult};
use crate::model::retry::RetryPolicy;

/// IAM through the command's connection.
pub struct Iam {
    client: aws_sdk_iam::Client,
    retry: RetryPolicy,
}

impl Iam {
    pub(super) fn new(client: aws_sdk_iam::Client, retry: RetryPolicy) -> Self {
        Iam { client, retry }
    }

    /// The role's ARN, or `None` when there is no such role.
    pub async fn role_arn(&self, name: &str) -> BackendResult<Option<String>> {
        let found = call_unless(&self.retry, &format!("GetRole {name}"), is_missing, || {
            self.client.get_role().role_name(name).send()
        })
        .await?;
        Ok(found.and_then(|output| output.role).map(|role| role.arn))
    }

    /// Makes a role that `trust` lets assume it; returns its ARN. A role of that name already
    /// there (this call's earlier attempt, whose answer was lost) is the one returned.
    pub async fn create_role(
        &self,
        name: &str,
        trust: &str,
        description: &str,
    ) -> BackendResult<String> {
        let what = format!("CreateRole {name}");
        let created = call_unless(&self.retry, &what, is_already_there, || {
            self.client
                .create_role()
                .role_name(name)
                .assume_role_policy_document(trust)
                .description(description)
                .send()
        })
        .await?;
        let arn = match created {
            Some(output) => output.role.map(|role| role.arn),
            None => self.role_arn(name).await?,
        };
        arn.ok_or_else(|| BackendError::permanent(format!("{what}: IAM gave no ARN")))
    }

    /// The role's inline policy `policy` as its JSON text, or `None` when it has none.
    pub async fn inline_policy(&self, role: &str, policy: &str) -> BackendResult<Option<String>> {
        let what = format!("GetRolePolicy {policy} on {role}");
        let found = call_unless(&self.retry, &what, is_missing, || {
            self.client
                .get_role_policy()
                .role_name(role)
                .policy_name(policy)
                .send()
        })
        .await?;
        // IAM returns the document URL-encoded.
        Ok(found.map(|output| {
            percent_decode_str(&output.policy_document)
                .decode_utf8_lossy()
                .into_owned()
        }))
    }

    /// Sets the role's inline policy `policy` to `document` (JSON).
    pub async fn put_inline_policy(
        &self,
        role: &str,
        policy: &str,
        document: &str,
    ) -> BackendResult<()> {
        call(
            &self.retry,
            &format!("PutRolePolicy {policy} on {role}"),
            || {
                self.client
                    .put_role_policy()
                    .role_name(role)
                    .policy_name(policy)
                    .policy_document(document)
                    .send()
            },
        )
        .await?;
        Ok(())
    }

    /// Deletes the role's inline policy `policy`; false when there was none.
    pub async fn delete_inline_policy(&self, role: &str, policy: &str) -> BackendResult<bool> {
        let what = format!("DeleteRolePolicy {policy} on {role}");
        let deleted = call_unless(&self.retry, &what, is_missing, || {
            self.client
                .delete_role_policy()
                .role_name(role)
                .policy_name(policy)
                .send()
        })
        .await?;
        Ok(deleted.is_some())
    }

    /// Deletes the role, which must hold no inline policy; false when there was none.
    pub async fn delete_role(&self, name: &str) -> BackendResult<bool> {
        let deleted = call_unless(
            &self.retry,
            &format!("DeleteRole {name}"),
            is_missing,
            || self.client.delete_role().role_name(name).send(),
        )
        .await?;
        Ok(deleted.is_some())
    }
}
