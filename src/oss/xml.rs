//! The little XML that OSS speaks here: one element's text out of a reply, and text escaped
//! into a request body. Replies are flat and known, so no general parser is needed.

/// The text of the first `<tag>…</tag>`, with the five predefined entities decoded.
pub fn element(xml: &str, tag: &str) -> Option<String> {
    elements(xml, tag).into_iter().next()
}

/// The texts of every `<tag>…</tag>`, in order.
pub fn elements(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else {
            break;
        };
        found.push(unescape(&after[..end]));
        rest = &after[end + close.len()..];
    }
    found
}

/// `text` safe inside an element.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_found_in_order_and_unescaped() {
        let xml = "<R><UploadId>u&amp;1</UploadId><Part><ETag>&quot;a&quot;</ETag></Part><Part><ETag>\"b\"</ETag></Part></R>";
        assert_eq!(element(xml, "UploadId").as_deref(), Some("u&1"));
        assert_eq!(elements(xml, "ETag"), ["\"a\"", "\"b\""]);
        assert_eq!(element(xml, "Missing"), None);
        assert_eq!(escape("\"<a&b>'"), "&quot;&lt;a&amp;b&gt;&apos;");
        assert_eq!(unescape(&escape("&lt; \"x\"")), "&lt; \"x\"");
    }
}
