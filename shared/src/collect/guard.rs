//! The response guard: no SDK client ever deserialises half a document.
//!
//! Some of the SDK's deserialisers read a body that was cut short as if it were whole (a
//! query-protocol `DescribeStacks` cut in half reads as a shorter, valid listing; an awsJson or
//! rest-json answer cut to nothing reads as `{}`, an empty listing). So every answer passes
//! through [`GuardedHttpClient`], which wraps the SDK's HTTP client once, where the SDK
//! configuration is loaded ([`super::aws::load_sdk_config`]), for every client built from it.
//! It reads the whole body, then checks it is a complete document for what it claims to be:
//!
//! - JSON (a successful answer starting with `{`/`[`, whatever its content type: S3's
//!   `GetBucketPolicy` answers with the policy itself; otherwise an `application/json` or
//!   `x-amz-json` content type): it parses as JSON, and it is not empty unless the status is
//!   204/304;
//! - XML (a successful answer starting with `<`, otherwise an `xml` content type): it is
//!   well-formed, with one root element that closes, every tag closed by its own name;
//! - anything else (HEAD requests, empty XML answers of writes, other content types) passes.
//!
//! An answer that fails the check (or whose body could not be read to its end) becomes a
//! connection-level error carrying an [`UnreadableAnswer`] (HTTP status, size, what was wrong:
//! never the bytes). The SDK retries it like a dropped connection; past the retries,
//! [`super::error::sdk_error`] reports "unreadable answer ... (HTTP 200, 1234 bytes, cut short
//! or not well-formed XML)", and the resource is UNKNOWN.

use std::fmt;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;

/// An answer the guard refused: its HTTP status, how many bytes arrived, and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnreadableAnswer {
    pub status: u16,
    pub bytes: usize,
    pub why: &'static str,
}

impl fmt::Display for UnreadableAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the answer could not be read (HTTP {}, {} bytes, {})", self.status, self.bytes, self.why)
    }
}

/// An HTTP client that hands the SDK only complete, well-formed answers (see the module docs).
#[derive(Debug, Clone)]
pub struct GuardedHttpClient {
    inner: SharedHttpClient,
}

impl GuardedHttpClient {
    pub fn new(inner: SharedHttpClient) -> Self {
        Self { inner }
    }
}

impl HttpClient for GuardedHttpClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(GuardedConnector { inner: self.inner.http_connector(settings, components) })
    }
}

#[derive(Debug)]
struct GuardedConnector {
    inner: SharedHttpConnector,
}

impl HttpConnector for GuardedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let head = request.method().eq_ignore_ascii_case("HEAD");
        let answer = self.inner.call(request);
        HttpConnectorFuture::new(async move { checked(answer.await?, head).await })
    }
}

/// The answer with its whole body in memory, or the connection-level error saying why not.
async fn checked(mut response: HttpResponse, head: bool) -> Result<HttpResponse, ConnectorError> {
    let status = response.status().as_u16();
    let body = match ByteStream::new(response.take_body()).collect().await {
        Ok(body) => body.into_bytes(),
        Err(_) => {
            return Err(refused(UnreadableAnswer { status, bytes: 0, why: "the body was cut off while reading" }))
        }
    };
    let content_type = response.headers().get("content-type").map(str::to_ascii_lowercase);
    if let Err(why) = judge(status, head, content_type.as_deref(), &body) {
        return Err(refused(UnreadableAnswer { status, bytes: body.len(), why }));
    }
    *response.body_mut() = SdkBody::from(body);
    Ok(response)
}

/// An I/O-kind connector error: the SDK retries it like a dropped connection.
fn refused(answer: UnreadableAnswer) -> ConnectorError {
    ConnectorError::io(Box::new(answer))
}

/// What kind of document an answer claims to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Document {
    Json,
    Xml,
}

/// What kind of document an answer is. A successful answer is judged by its first character
/// when that is `{`, `[` or `<`, whatever its content type says: S3 answers `GetBucketPolicy`
/// with the policy's own JSON, and local fakes label it `application/xml`; a cut answer still
/// starts as the document it was. Otherwise (an empty body, plain text, an error answer) the
/// content type decides, and an untyped or generic text answer is not judged.
fn document_kind(status: u16, content_type: Option<&str>, body: &[u8]) -> Option<Document> {
    if (200..300).contains(&status) {
        match body.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{' | b'[') => return Some(Document::Json),
            Some(b'<') => return Some(Document::Xml),
            _ => {}
        }
    }
    match content_type {
        Some(t) if t.contains("json") => Some(Document::Json),
        Some(t) if t.contains("xml") => Some(Document::Xml),
        _ => None,
    }
}

/// Whether an answer is a complete document of the kind it claims to be (see the module docs).
fn judge(status: u16, head: bool, content_type: Option<&str>, body: &[u8]) -> Result<(), &'static str> {
    if head || matches!(status, 204 | 304) {
        return Ok(());
    }
    let empty = body.iter().all(u8::is_ascii_whitespace);
    match document_kind(status, content_type, body) {
        Some(Document::Json) if empty => Err("an empty JSON answer"),
        Some(Document::Json) => match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
            Ok(_) => Ok(()),
            Err(e) if e.is_eof() => Err("cut short"),
            Err(_) => Err("not valid JSON"),
        },
        Some(Document::Xml) if empty => Ok(()),
        Some(Document::Xml) => well_formed_xml(body),
        None => Ok(()),
    }
}

/// A complete XML document: it tokenises, every element closes with its own name, and there is
/// exactly one root element, closed.
fn well_formed_xml(body: &[u8]) -> Result<(), &'static str> {
    let text = std::str::from_utf8(body).map_err(|_| "not UTF-8 XML")?;
    let mut open: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut pending: Option<&str> = None;
    for token in xmlparser::Tokenizer::from(text) {
        match token.map_err(|_| "cut short or not well-formed XML")? {
            xmlparser::Token::ElementStart { prefix, local, span, .. } => {
                if open.is_empty() {
                    roots += 1;
                }
                let _ = (prefix, local);
                // The qualified name, without the leading '<'.
                pending = Some(&span.as_str()[1..]);
            }
            xmlparser::Token::ElementEnd { end, .. } => match end {
                xmlparser::ElementEnd::Open => open.push(pending.take().ok_or("not well-formed XML")?),
                xmlparser::ElementEnd::Empty => {
                    pending.take().ok_or("not well-formed XML")?;
                }
                xmlparser::ElementEnd::Close(prefix, local) => {
                    let name = open.pop().ok_or("not well-formed XML")?;
                    let closing = if prefix.is_empty() {
                        local.as_str().to_string()
                    } else {
                        format!("{}:{}", prefix.as_str(), local.as_str())
                    };
                    if name != closing {
                        return Err("not well-formed XML");
                    }
                }
            },
            _ => {}
        }
    }
    match (roots, open.is_empty(), pending.is_none()) {
        (1, true, true) => Ok(()),
        (0, _, _) => Err("no XML element"),
        (1, _, _) => Err("cut short"),
        _ => Err("not well-formed XML"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STACKS: &str = r#"<?xml version="1.0"?>
<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <DescribeStacksResult><Stacks><member><StackName>app</StackName><EnableTerminationProtection>true</EnableTerminationProtection><Empty/></member></Stacks></DescribeStacksResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
</DescribeStacksResponse>
"#;

    #[test]
    fn a_whole_xml_document_passes_and_every_cut_of_it_fails() {
        assert_eq!(judge(200, false, Some("text/xml"), STACKS.as_bytes()), Ok(()));
        let whole = STACKS.trim_end().len();
        for cut in 1..whole {
            if !STACKS.is_char_boundary(cut) {
                continue;
            }
            assert!(
                judge(200, false, Some("text/xml"), &STACKS.as_bytes()[..cut]).is_err(),
                "an XML answer cut at {cut} of {whole} bytes passed"
            );
        }
    }

    #[test]
    fn a_whole_json_document_passes_and_every_cut_of_it_fails() {
        let doc = br#"{"Functions":[{"FunctionName":"f","Environment":{"Variables":{"K":"v"}}}],"NextMarker":null}"#;
        assert_eq!(judge(200, false, Some("application/json"), doc), Ok(()));
        for cut in 0..doc.len() {
            assert!(judge(200, false, Some("application/json"), &doc[..cut]).is_err(), "cut at {cut} passed");
        }
    }

    #[test]
    fn mismatched_or_extra_elements_fail() {
        assert!(well_formed_xml(b"<a><b></a></b>").is_err());
        assert!(well_formed_xml(b"<a></a><b></b>").is_err());
        assert!(well_formed_xml(b"<p:a><p:b/></p:a>").is_ok());
        assert!(well_formed_xml(b"<a>text &amp; more</a>").is_ok());
    }

    #[test]
    fn a_json_document_labelled_xml_is_judged_as_json() {
        let policy = br#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*"}]}"#;
        assert_eq!(judge(200, false, Some("application/xml"), policy), Ok(()), "S3 GetBucketPolicy on a fake");
        for cut in 1..policy.len() {
            assert!(judge(200, false, Some("application/xml"), &policy[..cut]).is_err(), "cut at {cut} passed");
        }
    }

    #[test]
    fn empty_and_other_answers_pass_where_they_are_legitimate() {
        assert_eq!(judge(204, false, Some("application/json"), b""), Ok(()), "no content");
        assert_eq!(judge(200, true, Some("application/xml"), b""), Ok(()), "HEAD");
        assert_eq!(judge(200, false, Some("application/xml"), b""), Ok(()), "an S3 write's empty answer");
        assert_eq!(judge(404, false, Some("text/html"), b"<h1>not"), Ok(()), "an error page is not a document");
        assert!(judge(200, false, Some("text/html"), b"<a><b>").is_err(), "XML labelled text/html");
        assert_eq!(judge(200, false, None, b"plain"), Ok(()));
        assert!(judge(200, false, Some("application/x-amz-json-1.1"), b"").is_err(), "an empty JSON answer");
        assert!(judge(200, false, None, b"{\"a\":").is_err(), "sniffed JSON");
        assert!(judge(200, false, None, b"<a><b>").is_err(), "sniffed XML");
    }
}
