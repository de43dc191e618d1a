//! AWS Lambda, for the functions `deploy` makes: the functions themselves, the event source
//! mappings that feed them, their URLs and who may call them. Every call runs under the one
//! retry policy (throttling, 5xx, a role made a moment ago that Lambda cannot assume yet, a
//! change refused while the last update is under way); what an attempt whose answer was lost
//! made is found, not made twice.

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Architecture, Cors as LambdaCors, DestinationConfig, Environment,
    EventSourceMappingConfiguration, EventSourcePosition, FunctionCode, FunctionConfiguration,
    FunctionResponseType, FunctionUrlAuthType, LastUpdateStatus, OnFailure, Runtime, ScalingConfig,
    State,
};
use bytes::Bytes;
use std::collections::HashMap;

use super::errors::{is_already_there, is_missing};
use super::request::{call, call_unless};
use crate::backend::{BackendError, BackendResult};
use crate::model::retry::RetryPolicy;

/// A function as Lambda describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Function {
    /// Base64 of the package's SHA-256.
    pub code_sha256: Option<String>,
    /// "arm64" or "x86_64".
    pub architecture: Option<String>,
    pub memory_mb: Option<i32>,
    pub timeout_seconds: Option<i32>,
    pub role: Option<String>,
    pub environment: HashMap<String, String>,
    /// "Active", "Pending", ...
    pub state: Option<String>,
    /// Lambda takes no other change until the last one is done (being made, or updating).
    pub busy: bool,
}

impl Function {
    fn from_sdk(config: &FunctionConfiguration) -> Function {
        let busy = config.state() == Some(&State::Pending)
            || config.last_update_status() == Some(&LastUpdateStatus::InProgress);
        Function {
            code_sha256: config.code_sha256().map(str::to_owned),
            architecture: config
                .architectures()
                .first()
                .map(|a| a.as_str().to_owned()),
            memory_mb: config.memory_size(),
            timeout_seconds: config.timeout(),
            role: config.role().map(str::to_owned),
            environment: config
                .environment()
                .and_then(|env| env.variables())
                .cloned()
                .unwrap_or_default(),
            state: config.state().map(|state| state.as_str().to_owned()),
            busy,
        }
    }
}

/// What a function is to be (its code apart).
#[derive(Debug, Clone)]
pub struct FunctionSpec<'a> {
    pub name: &'a str,
    pub runtime: &'a str,
    pub handler: &'a str,
    pub role: &'a str,
    pub architecture: &'a str,
    pub memory_mb: i32,
    pub timeout_seconds: i32,
    pub environment: HashMap<String, String>,
    pub description: &'a str,
}

/// An event source mapping as Lambda describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    pub uuid: String,
    pub source_arn: Option<String>,
    pub batch_size: Option<i32>,
    pub batching_window_seconds: i32,
    pub max_concurrency: Option<i32>,
    pub reports_batch_item_failures: bool,
    pub state: Option<String>,
    /// A stream's: what its mapping reads and retries (all `None` for a queue's).
    pub parallelization_factor: Option<i32>,
    pub max_retries: Option<i32>,
    pub max_record_age_seconds: Option<i32>,
    pub bisects_on_error: Option<bool>,
    pub on_failure_arn: Option<String>,
}

impl Mapping {
    fn from_sdk(mapping: &EventSourceMappingConfiguration) -> Mapping {
        Mapping {
            uuid: mapping.uuid().unwrap_or_default().to_owned(),
            source_arn: mapping.event_source_arn().map(str::to_owned),
            batch_size: mapping.batch_size(),
            batching_window_seconds: mapping.maximum_batching_window_in_seconds().unwrap_or(0),
            max_concurrency: mapping
                .scaling_config()
                .and_then(|scaling| scaling.maximum_concurrency()),
            reports_batch_item_failures: mapping
                .function_response_types()
                .contains(&FunctionResponseType::ReportBatchItemFailures),
            state: mapping.state().map(str::to_owned),
            parallelization_factor: mapping.parallelization_factor(),
            max_retries: mapping.maximum_retry_attempts(),
            max_record_age_seconds: mapping.maximum_record_age_in_seconds(),
            bisects_on_error: mapping.bisect_batch_on_function_error(),
            on_failure_arn: mapping
                .destination_config()
                .and_then(|config| config.on_failure())
                .and_then(|failure| failure.destination())
                .map(str::to_owned),
        }
    }
}

/// What a mapping is to be: batches from `source_arn`, partial batch failures reported.
#[derive(Debug, Clone)]
pub struct MappingSpec<'a> {
    pub function: &'a str,
    pub source_arn: &'a str,
    pub batch_size: i32,
    pub batching_window_seconds: i32,
    /// Concurrent invocations of a queue's mapping (SQS only; a stream's is set by shards and
    /// `StreamReading::parallelization_factor`).
    pub max_concurrency: i32,
    pub enabled: bool,
    /// How a stream's mapping reads it; `None` for a queue.
    pub stream: Option<StreamReading>,
}

/// How a Kinesis mapping reads its stream: from the oldest record, batches split in two on a
/// function error (to isolate what fails), retries and record age as asked (-1: for ever),
/// and where the batch's description goes when it is given up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamReading {
    pub parallelization_factor: i32,
    pub max_retries: i32,
    pub max_record_age_seconds: i32,
    pub on_failure_arn: String,
}

impl StreamReading {
    fn destination(&self) -> DestinationConfig {
        DestinationConfig::builder()
            .on_failure(
                OnFailure::builder()
                    .destination(&self.on_failure_arn)
                    .build(),
            )
            .build()
    }
}

/// A function URL's CORS, for browsers calling it from other sites.
#[derive(Debug, Clone)]
pub struct Cors {
    pub origins: Vec<String>,
    pub methods: Vec<String>,
    pub headers: Vec<String>,
    pub max_age_seconds: i32,
}

impl Cors {
    fn to_sdk(&self) -> LambdaCors {
        LambdaCors::builder()
            .set_allow_origins(Some(self.origins.clone()))
            .set_allow_methods(Some(self.methods.clone()))
            .set_allow_headers(Some(self.headers.clone()))
            .max_age(self.max_age_seconds)
            .build()
    }
}

/// A function URL: where it is, and the origins its CORS allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionUrl {
    pub url: String,
    pub allowed_origins: Option<Vec<String>>,
}

/// Leave for anyone to call a function (`principal` "*"), by its public URL only.
#[derive(Debug, Clone)]
pub struct PublicPermission<'a> {
    pub function: &'a str,
    pub statement_id: &'a str,
    pub action: &'a str,
    /// `lambda:InvokeFunctionUrl` with no authentication, or `lambda:InvokeFunction` only
    /// when invoked through the URL.
    pub url_only: bool,
}

/// Lambda through the command's connection.
pub struct Lambda {
    pub(super) client: aws_sdk_lambda::Client,
    pub(super) retry: RetryPolicy,
}

impl Lambda {
    pub(super) fn new(client: aws_sdk_lambda::Client, retry: RetryPolicy) -> Self {
        Lambda { client, retry }
    }

    /// The function, or `None` when there is no such function.
    pub async fn function(&self, name: &str) -> BackendResult<Option<Function>> {
        let found = call_unless(
            &self.retry,
            &format!("GetFunction {name}"),
            is_missing,
            || self.client.get_function().function_name(name).send(),
        )
        .await?;
        Ok(found
            .and_then(|output| output.configuration)
            .map(|config| Function::from_sdk(&config)))
    }

    /// Makes the function from `package` (a zip). One already there (this call's earlier
    /// attempt, whose answer was lost) is left as it is.
    pub async fn create_function(
        &self,
        spec: &FunctionSpec<'_>,
        package: Bytes,
    ) -> BackendResult<()> {
        let what = format!("CreateFunction {}", spec.name);
        call_unless(&self.retry, &what, is_already_there, || {
            self.client
                .create_function()
                .function_name(spec.name)
                .runtime(Runtime::from(spec.runtime))
                .handler(spec.handler)
                .role(spec.role)
                .code(
                    FunctionCode::builder()
                        .zip_file(Blob::new(package.to_vec()))
                        .build(),
                )
                .architectures(Architecture::from(spec.architecture))
                .memory_size(spec.memory_mb)
                .timeout(spec.timeout_seconds)
                .environment(environment(&spec.environment))
                .description(spec.description)
                .send()
        })
        .await?;
        Ok(())
    }

    /// Replaces the function's code (and the architecture it runs on).
    pub async fn update_code(
        &self,
        name: &str,
        package: Bytes,
        architecture: &str,
    ) -> BackendResult<()> {
        call(&self.retry, &format!("UpdateFunctionCode {name}"), || {
            self.client
                .update_function_code()
                .function_name(name)
                .zip_file(Blob::new(package.to_vec()))
                .architectures(Architecture::from(architecture))
                .send()
        })
        .await?;
        Ok(())
    }

    /// Brings the function's role, memory, timeout and environment in line with `spec`.
    pub async fn update_configuration(&self, spec: &FunctionSpec<'_>) -> BackendResult<()> {
        let what = format!("UpdateFunctionConfiguration {}", spec.name);
        call(&self.retry, &what, || {
            self.client
                .update_function_configuration()
                .function_name(spec.name)
                .role(spec.role)
                .memory_size(spec.memory_mb)
                .timeout(spec.timeout_seconds)
                .environment(environment(&spec.environment))
                .send()
        })
        .await?;
        Ok(())
    }

    /// Deletes the function (and its URL); false when there was none.
    pub async fn delete_function(&self, name: &str) -> BackendResult<bool> {
        let what = format!("DeleteFunction {name}");
        let deleted = call_unless(&self.retry, &what, is_missing, || {
            self.client.delete_function().function_name(name).send()
        })
        .await?;
        Ok(deleted.is_some())
    }

    /// The event source mappings of `function` (from `source_arn` only, when given); none
    /// when the function does not exist.
    pub async fn mappings(
        &self,
        function: &str,
        source_arn: Option<&str>,
    ) -> BackendResult<Vec<Mapping>> {
        let what = format!("ListEventSourceMappings of {function}");
        let listed = call_unless(&self.retry, &what, is_missing, || {
            self.client
                .list_event_source_mappings()
                .function_name(function)
                .set_event_source_arn(source_arn.map(str::to_owned))
                .send()
        })
        .await?;
        let mappings = listed
            .and_then(|output| output.event_source_mappings)
            .unwrap_or_default();
        Ok(mappings.iter().map(Mapping::from_sdk).collect())
    }

    /// Makes the mapping; one already there for the same queue and function is left as it is.
    pub async fn create_mapping(&self, spec: &MappingSpec<'_>) -> BackendResult<()> {
        let what = format!(
            "CreateEventSourceMapping {} -> {}",
            spec.source_arn, spec.function
        );
        call_unless(&self.retry, &what, is_already_there, || {
            let request = self
                .client
                .create_event_source_mapping()
                .function_name(spec.function)
                .event_source_arn(spec.source_arn)
                .batch_size(spec.batch_size)
                .maximum_batching_window_in_seconds(spec.batching_window_seconds)
                .function_response_types(FunctionResponseType::ReportBatchItemFailures)
                .enabled(spec.enabled);
            match &spec.stream {
                None => request.scaling_config(scaling(spec.max_concurrency)),
                Some(stream) => request
                    .starting_position(EventSourcePosition::TrimHorizon)
                    .parallelization_factor(stream.parallelization_factor)
                    .bisect_batch_on_function_error(true)
                    .maximum_retry_attempts(stream.max_retries)
                    .maximum_record_age_in_seconds(stream.max_record_age_seconds)
                    .destination_config(stream.destination()),
            }
            .send()
        })
        .await?;
        Ok(())
    }

    /// Brings the mapping `uuid` in line with `spec` (whether it is enabled apart).
    pub async fn update_mapping(&self, uuid: &str, spec: &MappingSpec<'_>) -> BackendResult<()> {
        call(
            &self.retry,
            &format!("UpdateEventSourceMapping {uuid}"),
            || {
                let request = self
                    .client
                    .update_event_source_mapping()
                    .uuid(uuid)
                    .batch_size(spec.batch_size)
                    .maximum_batching_window_in_seconds(spec.batching_window_seconds)
                    .function_response_types(FunctionResponseType::ReportBatchItemFailures);
                match &spec.stream {
                    None => request.scaling_config(scaling(spec.max_concurrency)),
                    Some(stream) => request
                        .parallelization_factor(stream.parallelization_factor)
                        .bisect_batch_on_function_error(true)
                        .maximum_retry_attempts(stream.max_retries)
                        .maximum_record_age_in_seconds(stream.max_record_age_seconds)
                        .destination_config(stream.destination()),
                }
                .send()
            },
        )
        .await?;
        Ok(())
    }

    /// Deletes the mapping `uuid`; false when there was none.
    pub async fn delete_mapping(&self, uuid: &str) -> BackendResult<bool> {
        let what = format!("DeleteEventSourceMapping {uuid}");
        let deleted = call_unless(&self.retry, &what, is_missing, || {
            self.client.delete_event_source_mapping().uuid(uuid).send()
        })
        .await?;
        Ok(deleted.is_some())
    }

    /// The function's URL, or `None` when it has none (or there is no such function).
    pub async fn url(&self, function: &str) -> BackendResult<Option<FunctionUrl>> {
        let what = format!("GetFunctionUrlConfig {function}");
        let found = call_unless(&self.retry, &what, is_missing, || {
            self.client
                .get_function_url_config()
                .function_name(function)
                .send()
        })
        .await?;
        Ok(found.map(|config| FunctionUrl {
            allowed_origins: config.cors().map(|cors| cors.allow_origins().to_vec()),
            url: config.function_url,
        }))
    }

    /// Gives the function a public URL (no authentication) with `cors` (none when `None`);
    /// returns the URL. A URL already there (this call's earlier attempt, whose answer was
    /// lost) is the one returned.
    pub async fn create_url(&self, function: &str, cors: Option<&Cors>) -> BackendResult<String> {
        let what = format!("CreateFunctionUrlConfig {function}");
        let created = call_unless(&self.retry, &what, is_already_there, || {
            self.client
                .create_function_url_config()
                .function_name(function)
                .auth_type(FunctionUrlAuthType::None)
                .set_cors(cors.map(Cors::to_sdk))
                .send()
        })
        .await?;
        match created {
            Some(output) => Ok(output.function_url),
            None => self.url(function).await?.map(|url| url.url).ok_or_else(|| {
                BackendError::permanent(format!("{what}: Lambda says it exists, then not"))
            }),
        }
    }

    /// Sets the CORS of the function's URL (an empty one, allowing no other origin, when
    /// `None`).
    pub async fn update_url(&self, function: &str, cors: Option<&Cors>) -> BackendResult<()> {
        let cors = cors.map_or_else(|| LambdaCors::builder().build(), Cors::to_sdk);
        call(
            &self.retry,
            &format!("UpdateFunctionUrlConfig {function}"),
            || {
                self.client
                    .update_function_url_config()
                    .function_name(function)
                    .cors(cors.clone())
                    .send()
            },
        )
        .await?;
        Ok(())
    }

    /// Lets anyone call the function through its URL; a statement of that id already there is
    /// left as it is.
    pub async fn allow_public(&self, permission: &PublicPermission<'_>) -> BackendResult<()> {
        let what = format!(
            "AddPermission {} ({}) on {}",
            permission.statement_id, permission.action, permission.function
        );
        call_unless(&self.retry, &what, is_already_there, || {
            let request = self
                .client
                .add_permission()
                .function_name(permission.function)
                .statement_id(permission.statement_id)
                .action(permission.action)
                .principal("*");
            match permission.url_only {
                true => request.invoked_via_function_url(true),
                false => request.function_url_auth_type(FunctionUrlAuthType::None),
            }
            .send()
        })
        .await?;
        Ok(())
    }
}

fn environment(variables: &HashMap<String, String>) -> Environment {
    Environment::builder()
        .set_variables(Some(variables.clone()))
        .build()
}

fn scaling(max_concurrency: i32) -> ScalingConfig {
    ScalingConfig::builder()
        .maximum_concurrency(max_concurrency)
        .build()
}
