//! Helpers for the library's own unit tests (compiled only under `cfg(test)`): an SDK client
//! answered by `aws-smithy-mocks` rules, for the code paths moto cannot reach.

/// `mocked_client!(aws_sdk_x, mode, rules)`: an `aws_sdk_x::Client` in us-east-1 with test
/// credentials, answered by `rules` (`&[&aws_smithy_mocks::Rule]`) in `mode`
/// (`aws_smithy_mocks::RuleMode`). A request no rule matches fails; nothing reaches a network.
macro_rules! mocked_client {
    ($sdk:ident, $mode:expr, $rules:expr) => {{
        let interceptor = $rules
            .iter()
            .fold(aws_smithy_mocks::MockResponseInterceptor::new().rule_mode($mode), |i, r| i.with_rule(r));
        let conf = $sdk::Config::builder()
            .behavior_version($sdk::config::BehaviorVersion::latest())
            .region($sdk::config::Region::new("us-east-1"))
            .credentials_provider($sdk::config::Credentials::new("AKID", "SECRET", None, None, "test"))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(interceptor)
            .build();
        $sdk::Client::from_conf(conf)
    }};
}
pub(crate) use mocked_client;
