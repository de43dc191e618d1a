//! `pageviews iam-policy`: a least-privilege IAM policy for one role of the AWS deployment.

use crate::backend::aws::iam::{policy, Scope};
use crate::backend::aws::Names;
use crate::cli::IamPolicyArgs;
use crate::context::Context;
use crate::output::print_data;

pub fn run(ctx: &Context, args: IamPolicyArgs) -> anyhow::Result<()> {
    let scope = Scope {
        region: ctx.global.region.as_deref().unwrap_or("*"),
        account: args.account_id.as_deref().unwrap_or("*"),
    };
    let document = policy(args.role, &Names::new(&ctx.global.name), &scope);
    print_data(&serde_json::to_string_pretty(&document)?)
}
