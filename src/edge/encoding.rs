//! Content codings (RFC 9110 8.4): a request body sent with
//! `Content-Encoding` gzip, br, zstd or deflate is read decoded, and held to
//! the body limit after decoding (so a zip bomb is a 413 like any oversized
//! body); an answer is compressed in the coding `Accept-Encoding` prefers,
//! when it is large enough to gain from it.

use async_compression::Level;
use async_compression::tokio::bufread::{
    BrotliDecoder, BrotliEncoder, DeflateDecoder, DeflateEncoder, GzipDecoder, GzipEncoder, ZstdDecoder, ZstdEncoder,
};
use poem::http::header::{self, HeaderMap, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::{Body, Response};
use tokio::io::{AsyncRead, AsyncReadExt as _, BufReader};

use crate::error::{AppError, UnsupportedContentType};

/// A content coding liaison reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Zstd,
    Br,
    Gzip,
    Deflate,
}

/// The codings, in the order a tie in `Accept-Encoding` is broken.
const CODINGS: [Coding; 4] = [Coding::Zstd, Coding::Br, Coding::Gzip, Coding::Deflate];

/// What a 415 for an unknown coding lists (`Accept-Encoding`).
pub const SUPPORTED_CODINGS: &str = "zstd, br, gzip, deflate";

/// Answers smaller than this go uncompressed: a coding's own header and
/// the work would cost more than they save.
pub const MIN_SIZE: usize = 1024;

impl Coding {
    fn name(self) -> &'static str {
        match self {
            Self::Zstd => "zstd",
            Self::Br => "br",
            Self::Gzip => "gzip",
            Self::Deflate => "deflate",
        }
    }

    fn of(name: &str) -> Option<Self> {
        let name = name.trim();
        CODINGS
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
            .or_else(|| name.eq_ignore_ascii_case("x-gzip").then_some(Self::Gzip))
    }

    fn decoder<'a>(self, body: impl AsyncRead + Send + Unpin + 'a) -> Box<dyn AsyncRead + Send + Unpin + 'a> {
        let body = BufReader::new(body);
        match self {
            Self::Zstd => Box::new(ZstdDecoder::new(body)),
            Self::Br => Box::new(BrotliDecoder::new(body)),
            Self::Gzip => Box::new(GzipDecoder::new(body)),
            Self::Deflate => Box::new(DeflateDecoder::new(body)),
        }
    }

    /// A fast level of each: an answer is compressed on every request.
    async fn encode(self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(bytes.len() / 4);
        match self {
            Self::Zstd => {
                ZstdEncoder::with_quality(bytes, Level::Default)
                    .read_to_end(&mut out)
                    .await?
            }
            Self::Br => {
                BrotliEncoder::with_quality(bytes, Level::Precise(4))
                    .read_to_end(&mut out)
                    .await?
            }
            Self::Gzip => {
                GzipEncoder::with_quality(bytes, Level::Fastest)
                    .read_to_end(&mut out)
                    .await?
            }
            Self::Deflate => {
                DeflateEncoder::with_quality(bytes, Level::Fastest)
                    .read_to_end(&mut out)
                    .await?
            }
        };
        Ok(out)
    }
}

/// A request body, as sent or decoded.
pub enum Decoded {
    /// No coding (or `identity`): the body as it came.
    AsSent(Body),
    /// Decoded: the caller caps it again.
    Coded(Body),
}

/// The request body, decoded as its `Content-Encoding` says. An unknown
/// coding, or more than one, is 415 with `Accept-Encoding`.
pub fn decode_request(headers: &HeaderMap, body: Body) -> Result<Decoded, AppError> {
    let Some(value) = headers.get(header::CONTENT_ENCODING) else {
        return Ok(Decoded::AsSent(body));
    };
    let text = value.to_str().unwrap_or_default().trim();
    if text.is_empty() || text.eq_ignore_ascii_case("identity") {
        return Ok(Decoded::AsSent(body));
    }
    let coding = Coding::of(text).ok_or_else(|| {
        AppError::UnsupportedMediaType(UnsupportedContentType::Encoding(text.to_string()), SUPPORTED_CODINGS)
    })?;
    Ok(Decoded::Coded(Body::from_async_read(
        coding.decoder(body.into_async_read()),
    )))
}

/// The coding `accept_encoding` prefers of those liaison writes (highest
/// q-value; ties go to zstd, br, gzip, deflate in that order; `*` stands
/// for any not named), or none when it prefers the answer as it is.
pub fn preferred(accept_encoding: Option<&HeaderValue>) -> Option<Coding> {
    let text = accept_encoding?.to_str().ok()?;
    let mut weights: Vec<(&str, f32)> = Vec::new();
    for item in text.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if !name.is_empty() {
            weights.push((name, q));
        }
    }
    let weight = |coding: Coding| {
        let named = weights.iter().find(|(n, _)| Coding::of(n) == Some(coding));
        named
            .or_else(|| weights.iter().find(|(n, _)| *n == "*"))
            .map_or(0.0, |(_, q)| *q)
    };
    let (best, q) =
        CODINGS
            .into_iter()
            .map(|c| (c, weight(c)))
            .fold(None::<(Coding, f32)>, |best, (c, q)| match best {
                Some((_, bq)) if bq >= q => best,
                _ => Some((c, q)),
            })?;
    (q > 0.0).then_some(best)
}

/// Compresses `response` in `coding` when it has a body of at least
/// [`MIN_SIZE`] bytes not encoded already. Every answer that could have
/// been compressed says it depends on `Accept-Encoding`.
pub async fn encode_response(method: &Method, response: Response, coding: Option<Coding>) -> Response {
    let status = response.status();
    if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    parts
        .headers
        .append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    // A HEAD answers with the GET's headers and no body: nothing to compress.
    let uncoded = *method != Method::HEAD && !parts.headers.contains_key(header::CONTENT_ENCODING);
    let Some(coding) = coding.filter(|_| uncoded) else {
        return Response::from_parts(parts, body);
    };
    let bytes = match body.into_bytes().await {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::warn!(error = %err, "an answer's body could not be read to compress it");
            return Response::from_parts(parts, Body::empty());
        }
    };
    if bytes.len() < MIN_SIZE {
        return Response::from_parts(parts, Body::from(bytes));
    }
    match coding.encode(&bytes).await {
        Ok(encoded) => {
            parts
                .headers
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding.name()));
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(encoded))
        }
        Err(err) => {
            tracing::warn!(error = %err, "an answer could not be compressed; sent as it is");
            Response::from_parts(parts, Body::from(bytes))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefers(accept_encoding: &str) -> Option<Coding> {
        preferred(Some(&HeaderValue::from_str(accept_encoding).expect("a header value")))
    }

    #[test]
    fn the_highest_q_value_wins_ties_go_to_the_better_coding() {
        assert_eq!(prefers("gzip"), Some(Coding::Gzip));
        assert_eq!(prefers("gzip, deflate, br"), Some(Coding::Br));
        assert_eq!(prefers("gzip;q=1.0, br;q=0.3, zstd;q=0.5"), Some(Coding::Gzip));
        assert_eq!(prefers("identity"), None);
        assert_eq!(prefers("gzip;q=0"), None);
        assert_eq!(prefers("*"), Some(Coding::Zstd));
        assert_eq!(prefers("*;q=0.5, zstd;q=0"), Some(Coding::Br));
        assert_eq!(prefers("compress, x-gzip"), Some(Coding::Gzip));
        assert_eq!(preferred(None), None);
    }

    #[tokio::test]
    async fn every_coding_reads_back_what_it_wrote() {
        let text = "a relationship, ".repeat(200);
        for coding in CODINGS {
            let encoded = coding.encode(text.as_bytes()).await.expect("encodes");
            assert!(encoded.len() < text.len() / 4, "{coding:?}");
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding.name()));
            let Ok(Decoded::Coded(body)) = decode_request(&headers, Body::from(encoded)) else {
                panic!("{coding:?} is a known coding");
            };
            assert_eq!(body.into_string().await.expect("decodes"), text, "{coding:?}");
        }
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("compress"));
        assert!(decode_request(&headers, Body::empty()).is_err());
    }
}
