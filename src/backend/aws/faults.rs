//! A fault-injecting wrapper around the AWS clients, for the faults no emulator gives: answers
//! moto never sends (a Lambda function still busy with its last update, a schedule in another
//! state) edited into the service's real answers, for chosen calls of one operation.
//! `Aws::with_faults` puts a plan on every client of a connection as an SDK interceptor, so the
//! code under test is the real client; what goes wrong on the wire (throttling, 5xx, lost
//! answers) is the tests' HTTP fault proxy's.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    FinalizerInterceptorContextMut, Output,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

/// Changes one answer; false when the answer is not of the type it edits.
type Edit = Box<dyn Fn(&mut Output) -> bool + Send + Sync>;

/// After `skip` answers of `operation` pass untouched, the next `times` are edited.
pub struct Rule {
    operation: &'static str,
    skip: u32,
    times: u32,
    edit: Edit,
}

impl Rule {
    /// Edits answers of `operation` (its output type `T`, e.g. `GetFunctionOutput`).
    pub fn edit<T>(
        operation: &'static str,
        skip: u32,
        times: u32,
        edit: impl Fn(&mut T) + Send + Sync + 'static,
    ) -> Rule
    where
        T: fmt::Debug + Send + Sync + 'static,
    {
        Rule {
            operation,
            skip,
            times,
            edit: Box::new(move |output| match output.downcast_mut::<T>() {
                Some(output) => {
                    edit(output);
                    true
                }
                None => false,
            }),
        }
    }
}

/// The faults of one test, and which were injected.
#[derive(Default)]
pub struct FaultPlan {
    rules: Mutex<Vec<Rule>>,
    edited: Mutex<BTreeMap<String, u64>>,
}

impl FaultPlan {
    pub fn new(rules: Vec<Rule>) -> Arc<FaultPlan> {
        Arc::new(FaultPlan {
            rules: Mutex::new(rules),
            edited: Mutex::default(),
        })
    }

    /// Answers of `operation` edited so far.
    pub fn edited(&self, operation: &str) -> u64 {
        let edited = self.edited.lock().expect("fault plan lock");
        edited.get(operation).copied().unwrap_or(0)
    }

    fn apply(&self, operation: &str, output: &mut Output) {
        let mut rules = self.rules.lock().expect("fault plan lock");
        let Some(rule) = rules
            .iter_mut()
            .find(|rule| rule.operation == operation && rule.times > 0)
        else {
            return;
        };
        if rule.skip > 0 {
            rule.skip -= 1;
            return;
        }
        if (rule.edit)(output) {
            rule.times -= 1;
            let mut edited = self.edited.lock().expect("fault plan lock");
            *edited.entry(operation.to_owned()).or_default() += 1;
        }
    }
}

/// The plan as an SDK interceptor: it sees every answer before the caller does.
struct FaultInterceptor(Arc<FaultPlan>);

impl fmt::Debug for FaultInterceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FaultInterceptor")
    }
}

impl Intercept for FaultInterceptor {
    fn name(&self) -> &'static str {
        "pageviews-faults"
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(operation) = cfg.load::<Metadata>().map(|meta| meta.name().to_owned()) else {
            return Ok(());
        };
        if let Some(Ok(output)) = context.output_or_error_mut() {
            self.0.apply(&operation, output);
        }
        Ok(())
    }
}

/// A service's configuration builder that can take the plan's interceptor.
pub trait Interceptable {
    fn with_faults(self, plan: Arc<FaultPlan>) -> Self;
}

macro_rules! interceptable {
    ($($builder:ty),* $(,)?) => {
        $(impl Interceptable for $builder {
            fn with_faults(self, plan: Arc<FaultPlan>) -> Self {
                self.interceptor(FaultInterceptor(plan))
            }
        })*
    };
}

interceptable!(
    aws_sdk_sqs::config::Builder,
    aws_sdk_dynamodb::config::Builder,
    aws_sdk_s3::config::Builder,
    aws_sdk_iam::config::Builder,
    aws_sdk_lambda::config::Builder,
    aws_sdk_scheduler::config::Builder,
    aws_sdk_kinesis::config::Builder,
);
