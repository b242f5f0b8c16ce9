//! Paging through an SDK listing: every page of a paginated call, in order, each fetched while
//! holding a permit of the collector's semaphore when it has one, so the requests a collector
//! has in flight stay bounded however many listings run at once.

use std::error::Error as StdError;

use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use tokio::sync::Semaphore;

use super::error::{required, Collected};

/// Every page of `pages` (from an SDK `into_paginator().send()`), in order. With `permits`, each
/// page is requested while holding one permit. The first page that fails ends the listing with
/// its classified error (AccessDenied, throttling past retries, ...) under `action`: a listing is
/// complete or it is an error, never silently short.
pub async fn all_pages<T, E>(
    action: &str,
    permits: Option<&Semaphore>,
    mut pages: PaginationStream<Result<T, SdkError<E, HttpResponse>>>,
) -> Collected<Vec<T>>
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let mut out = Vec::new();
    loop {
        let page = {
            // The semaphore is never closed, so a permit is always granted when one is asked for.
            let _permit = match permits {
                Some(permits) => permits.acquire().await.ok(),
                None => None,
            };
            pages.next().await
        };
        match page {
            Some(page) => out.push(required(action, page)?),
            None => return Ok(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::CollectErrorKind;
    use aws_sdk_kms::operation::list_keys::{ListKeysError, ListKeysOutput};
    use aws_sdk_kms::types::KeyListEntry;
    use aws_smithy_mocks::{mock, Rule, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;

    /// A KMS client answered by `rules`, in order.
    fn client(rules: &[&Rule]) -> aws_sdk_kms::Client {
        crate::test_support::mocked_client!(aws_sdk_kms, RuleMode::Sequential, rules)
    }

    fn page(id: &str, next: Option<&str>) -> ListKeysOutput {
        ListKeysOutput::builder()
            .keys(KeyListEntry::builder().key_id(id).build())
            .set_next_marker(next.map(str::to_string))
            .truncated(next.is_some())
            .build()
    }

    fn ids(pages: &[ListKeysOutput]) -> Vec<String> {
        pages.iter().flat_map(|p| p.keys()).filter_map(|k| k.key_id()).map(str::to_string).collect()
    }

    #[tokio::test]
    async fn every_page_in_order_with_and_without_permits() {
        for permits in [None, Some(Semaphore::new(1))] {
            let first = mock!(aws_sdk_kms::Client::list_keys)
                .match_requests(|r| r.marker().is_none())
                .then_output(|| page("k1", Some("m1")));
            let second = mock!(aws_sdk_kms::Client::list_keys)
                .match_requests(|r| r.marker() == Some("m1"))
                .then_output(|| page("k2", Some("m2")));
            let last = mock!(aws_sdk_kms::Client::list_keys)
                .match_requests(|r| r.marker() == Some("m2"))
                .then_output(|| page("k3", None));
            let client = client(&[&first, &second, &last]);
            let pages = all_pages("kms:ListKeys", permits.as_ref(), client.list_keys().into_paginator().send())
                .await
                .expect("three pages");
            assert_eq!(ids(&pages), ["k1", "k2", "k3"]);
            if let Some(p) = &permits {
                assert_eq!(p.available_permits(), 1, "the permit is released after each page");
            }
        }
    }

    #[tokio::test]
    async fn a_failed_page_fails_the_whole_listing_with_its_reason() {
        let first = mock!(aws_sdk_kms::Client::list_keys).then_output(|| page("k1", Some("m1")));
        let denied = mock!(aws_sdk_kms::Client::list_keys).then_error(|| {
            ListKeysError::generic(ErrorMetadata::builder().code("AccessDeniedException").message("no").build())
        });
        let client = client(&[&first, &denied]);
        let e = all_pages("kms:ListKeys", None, client.list_keys().into_paginator().send())
            .await
            .expect_err("the second page was denied");
        assert_eq!(e.kind, CollectErrorKind::AccessDenied);
        assert!(e.to_string().contains("kms:ListKeys"), "{e}");
    }
}
