//! Rules for free text that every name-like field shares.

use crate::http::FieldError;

/// Trims `value` and checks it is 1..=`max` characters with no control
/// characters (which XML could not carry).
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(required_text("n", "  a b ", 3), Ok("a b".to_string()));
        assert!(required_text("n", "   ", 3).is_err());
        assert!(required_text("n", "abcd", 3).is_err());
        assert!(required_text("n", "a\u{0}b", 3).is_err());
        assert_eq!(required_text("n", "äöü", 3), Ok("äöü".to_string()));
    }
}
