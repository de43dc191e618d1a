//! `pageviews iam-policy`: a least-privilege IAM policy for one role of the AWS deployment.

use crate::backend::aws::policies::{policy_for, IamRole, Scope};
use crate::backend::aws::Names;
use crate::backend::QueueKind;
use crate::cmd::context::Context;
use crate::model::values::account_id;
use crate::output::print_data;
use clap::Args;

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
The policy names the deployment's own queues and tables (--name); --region and --account-id \
narrow it further (otherwise any region and account match). See docs/aws.md for what each \
command calls.

Examples:
  pageviews iam-policy --role drainer --region us-west-2 --account-id 123456789012
  pageviews --name shop iam-policy --role reader > reader-policy.json
  pageviews --name shop iam-policy --role drainer --queue kinesis")]
pub struct IamPolicyArgs {
    /// The role to write the policy for.
    #[arg(long, value_enum)]
    pub role: IamRole,

    /// AWS account id the resources live in [default: any].
    #[arg(long, value_name = "ID", value_parser = account_id)]
    pub account_id: Option<String>,

    /// The deployment's queue, as `init --queue` made it: a Kinesis stream adds its own
    /// statements (and the drain's leases in the daily table).
    #[arg(long, value_enum, value_name = "KIND", default_value_t = QueueKind::Sqs)]
    pub queue: QueueKind,
}

pub fn run(ctx: &Context, args: IamPolicyArgs) -> anyhow::Result<()> {
    let scope = Scope {
        region: ctx.global.region.as_deref().unwrap_or("*"),
        account: args.account_id.as_deref().unwrap_or("*"),
    };
    let document = policy_for(args.role, &Names::new(&ctx.global.name), &scope, args.queue);
    print_data(&serde_json::to_string_pretty(&document)?)
}
