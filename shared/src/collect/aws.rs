//! Building SDK configuration and clients. The SDK configuration is loaded once ("expensive")
//! and clients are built from it ("cheap"). It honours the standard AWS environment, including
//! `AWS_ENDPOINT_URL`, so the same code runs against AWS and against a local endpoint.
//!
//! Every configuration loaded here carries the response guard ([`super::guard`]): every client
//! built from it, collector or publisher, reads only complete, well-formed answers. It also
//! carries connect and operation timeouts, so an unreachable endpoint ends in one short error.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3control::config::endpoint::{DefaultResolver, EndpointFuture, Params, ResolveEndpoint};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder;
use aws_smithy_runtime_api::client::runtime_plugin::RuntimePlugin;

use crate::settings;

/// Log directives that keep the SDK's wire-level logs off whatever the log level asks. At TRACE,
/// `aws_smithy_runtime` logs every raw response body and every deserialised output, and only the
/// fields a service model marks sensitive are redacted: CloudFormation outputs and parameter
/// values, for one, are not (`tests/tests/stack_moto.rs` caught exactly that). Every binary adds
/// them (through [`wire_log_caps`]) after its own filter, so they win over `RUST_LOG`/`ZTSCAN_LOG`
/// for these targets.
pub const WIRE_LOG_CAPS: &[&str] = &["aws_smithy_runtime=debug", "aws_smithy_runtime_api=debug"];

/// The directives a log filter whose most verbose level is `max` needs: [`WIRE_LOG_CAPS`] when
/// it may enable TRACE anywhere (or says nothing), none otherwise. A directive *enables* its
/// target up to its level, so adding the caps to a quieter filter would turn the SDK's DEBUG
/// logs on.
pub fn wire_log_caps(max: Option<tracing::level_filters::LevelFilter>) -> &'static [&'static str] {
    match max {
        Some(level) if level != tracing::level_filters::LevelFilter::TRACE => &[],
        _ => WIRE_LOG_CAPS,
    }
}

/// How long a connection may take to open, unless `ZTSCAN_CONNECT_TIMEOUT_SECS` says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one attempt of a call may take, unless `ZTSCAN_ATTEMPT_TIMEOUT_SECS` says otherwise.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a call may take with all its retries, unless `ZTSCAN_OPERATION_TIMEOUT_SECS` says
/// otherwise: an unreachable endpoint is reported within this time.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(90);

/// The timeouts every SDK call runs under: the defaults above, or the `ZTSCAN_*_TIMEOUT_SECS`
/// variables (whole seconds; an unreadable value is an error naming the variable).
pub fn timeouts(var: impl Fn(&str) -> Option<String>) -> Result<TimeoutConfig, String> {
    let secs = |name: &str, default: Duration| -> Result<Duration, String> {
        match var(name) {
            None => Ok(default),
            Some(v) => match v.trim().parse::<u64>() {
                Ok(s) if s > 0 => Ok(Duration::from_secs(s)),
                _ => Err(format!(
                    "{name} must be a whole number of seconds above 0, not {:?}",
                    crate::collected::clean_service_text(&v, 32)
                )),
            },
        }
    };
    Ok(TimeoutConfig::builder()
        .connect_timeout(secs(settings::ZTSCAN_CONNECT_TIMEOUT_SECS, DEFAULT_CONNECT_TIMEOUT)?)
        .operation_attempt_timeout(secs(settings::ZTSCAN_ATTEMPT_TIMEOUT_SECS, DEFAULT_ATTEMPT_TIMEOUT)?)
        .operation_timeout(secs(settings::ZTSCAN_OPERATION_TIMEOUT_SECS, DEFAULT_OPERATION_TIMEOUT)?)
        .build())
}

/// Load the shared SDK configuration: standard credential/region chain, adaptive retries with
/// 6 attempts (throttling is retried before a collector ever sees it), unless the standard
/// `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE` variables choose otherwise (the local demo and tests
/// lower the attempts: moto never throttles, and its unimplemented APIs answer 5xx); the
/// [`timeouts`]; and the response guard ([`guarded`]). A malformed timeout variable is reported
/// by [`check_environment`]; here it falls back to the defaults.
pub async fn load_sdk_config(region: Option<String>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    let env_chooses =
        [settings::AWS_MAX_ATTEMPTS, settings::AWS_RETRY_MODE].iter().any(|v| std::env::var_os(v).is_some());
    if !env_chooses {
        loader = loader.retry_config(RetryConfig::adaptive().with_max_attempts(6));
    }
    let timeouts = timeouts(|v| std::env::var(v).ok()).or_else(|_| timeouts(|_| None));
    if let Ok(timeouts) = timeouts {
        loader = loader.timeout_config(timeouts);
    }
    if let Some(r) = region {
        loader = loader.region(Region::new(r));
    }
    guarded(loader.load().await)
}

/// What is wrong with the environment's SDK settings, before any call: a malformed timeout
/// variable, or a region that is not one of the known regions ([`crate::regions`]).
pub fn check_environment(sdk: &SdkConfig) -> Result<(), String> {
    timeouts(|v| std::env::var(v).ok())?;
    match sdk.region() {
        Some(region) => crate::settings::check_region(region.as_ref()),
        None => Ok(()),
    }
}

/// `sdk` with its HTTP client (the SDK's default one when it has none) wrapped in the response
/// guard ([`super::guard::GuardedHttpClient`]), and its retry attempts recorded for the
/// wording of throttling reasons. Every SDK configuration the scanner uses goes through here.
pub fn guarded(sdk: SdkConfig) -> SdkConfig {
    if let Some(attempts) = sdk.retry_config().map(|r| r.max_attempts()) {
        super::error::set_max_attempts(attempts);
    }
    let Some(inner) = sdk.http_client().or_else(default_http_client) else { return sdk };
    sdk.into_builder().http_client(super::guard::GuardedHttpClient::new(inner)).build()
}

/// The HTTP client the SDK would use by default (hyper 1, rustls), taken from the SDK's own
/// default plugin so that its TLS and proxy settings are exactly the SDK's.
fn default_http_client() -> Option<SharedHttpClient> {
    let plugin = aws_smithy_runtime::client::defaults::default_http_client_plugin_v2(BehaviorVersion::latest())?;
    plugin.runtime_components(&RuntimeComponentsBuilder::new("ztscan-default-http-client")).http_client()
}

/// [`load_sdk_config`] with every client built from it paced per API below `limits` (the
/// configuration's `api_rate_limits`) over the built-in rates `defaults` (the audits' rates:
/// `audit::default_api_rates`; see [`super::pace`]).
pub async fn load_paced_sdk_config(
    region: Option<String>,
    defaults: &[(&str, u32)],
    limits: &std::collections::BTreeMap<String, u32>,
) -> SdkConfig {
    let sdk = load_sdk_config(region).await;
    super::pace::paced(&sdk, std::sync::Arc::new(super::pace::Pacer::new(defaults, limits)))
}

/// An S3 client for `region`. Against a custom endpoint (a local AWS), requests use path-style
/// addressing, since `bucket.127.0.0.1` does not resolve.
pub fn s3_client(sdk: &SdkConfig, region: Option<&str>) -> aws_sdk_s3::Client {
    let mut b = aws_sdk_s3::config::Builder::from(sdk);
    if let Some(r) = region {
        b = b.region(Region::new(r.to_string()));
    }
    if sdk.endpoint_url().is_some() {
        b = b.force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(b.build())
}

/// An S3 Control client. S3 Control puts the account id in the host name
/// (`{AccountId}.s3-control.{region}.amazonaws.com`); against a custom endpoint that would be
/// `123456789012.127.0.0.1`, which does not resolve. When an endpoint URL is configured, the
/// client resolves endpoints with [`CustomEndpointResolver`], which keeps the configured host.
pub fn s3control_client(sdk: &SdkConfig) -> aws_sdk_s3control::Client {
    let mut b = aws_sdk_s3control::config::Builder::from(sdk);
    if sdk.endpoint_url().is_some() {
        b = b.endpoint_resolver(CustomEndpointResolver::default());
    }
    aws_sdk_s3control::Client::from_conf(b.build())
}

/// Resolves S3 Control endpoints with the service's own rules, then, when the caller
/// configured a custom endpoint, removes the `{AccountId}.` label the rules put in front of
/// its host. Everything else the rules decide (signing name, region, path) is kept.
#[derive(Debug, Default)]
pub struct CustomEndpointResolver {
    inner: DefaultResolver,
}

impl ResolveEndpoint for CustomEndpointResolver {
    fn resolve_endpoint<'a>(&'a self, params: &'a Params) -> EndpointFuture<'a> {
        let resolved = self.inner.resolve_endpoint(params);
        EndpointFuture::new(async move {
            let endpoint = resolved.await?;
            match (params.endpoint(), params.account_id()) {
                (Some(_), Some(account)) => Ok(strip_account_label(endpoint, account)),
                _ => Ok(endpoint),
            }
        })
    }
}

fn strip_account_label(
    endpoint: aws_smithy_types::endpoint::Endpoint,
    account: &str,
) -> aws_smithy_types::endpoint::Endpoint {
    let prefix = format!("{account}.");
    let url = endpoint.url();
    let Some((scheme, rest)) = url.split_once("://") else { return endpoint };
    let Some(host_and_path) = rest.strip_prefix(prefix.as_str()) else { return endpoint };
    let mut b = aws_smithy_types::endpoint::Endpoint::builder().url(format!("{scheme}://{host_and_path}"));
    for (k, v) in endpoint.properties() {
        b = b.property(k.clone(), v.clone());
    }
    let headers: Vec<(String, Vec<String>)> =
        endpoint.headers().map(|(k, values)| (k.to_string(), values.map(str::to_string).collect())).collect();
    for (k, values) in headers {
        for v in values {
            b = b.header(k.clone(), v);
        }
    }
    b.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn custom_endpoint_keeps_the_configured_host() {
        let params = Params::builder()
            .region("us-east-1")
            .endpoint("http://127.0.0.1:5000")
            .account_id("123456789012")
            .requires_account_id(true)
            .build()
            .unwrap();
        let default = DefaultResolver::new().resolve_endpoint(&params).await.unwrap();
        assert!(
            default.url().contains("123456789012.127.0.0.1"),
            "the service rules prefix the account: {}",
            default.url()
        );
        let ours = CustomEndpointResolver::default().resolve_endpoint(&params).await.unwrap();
        assert_eq!(ours.url(), "http://127.0.0.1:5000");
    }

    #[tokio::test]
    async fn aws_endpoints_are_untouched() {
        let params =
            Params::builder().region("eu-west-1").account_id("123456789012").requires_account_id(true).build().unwrap();
        let ours = CustomEndpointResolver::default().resolve_endpoint(&params).await.unwrap();
        assert_eq!(ours.url(), "https://123456789012.s3-control.eu-west-1.amazonaws.com");
    }
}
