//! A statement with its arguments written into its text, for PostgreSQL's
//! simple protocol: the one that takes several statements in one message
//! (one round trip: `BEGIN; SELECT ...`, `UPDATE ...; COMMIT`) but no
//! parameters. Each argument becomes a literal of the type it would have
//! been sent as (`E'...'::text`, `2::int8`, `NULL::text`), so the statement
//! means what it meant with parameters.

use std::fmt::Write as _;

use sqlx::any::{AnyArguments, AnyTypeInfoKind};
use sqlx_core::any::AnyValueKind;

/// `sql` with each `$n` outside a quoted literal or name replaced by the
/// literal of the `n`-th of `arguments`. A text holding a NUL character,
/// which no PostgreSQL text can hold, is refused (as the server refuses it
/// as a parameter), as is a `$n` with no argument.
pub(super) fn inline(sql: &str, arguments: Option<&AnyArguments<'_>>) -> Result<String, sqlx::Error> {
    let values = arguments.map_or(&[][..], |arguments| &arguments.values.0[..]);
    let mut out = String::with_capacity(sql.len() + 16 * values.len());
    let mut quote = None;
    let mut chars = sql.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '$') if chars.peek().is_some_and(|(_, d)| d.is_ascii_digit()) => {
                let mut end = at + 1;
                while let Some((i, d)) = chars.peek().copied().filter(|(_, d)| d.is_ascii_digit()) {
                    end = i + d.len_utf8();
                    chars.next();
                }
                let value = sql[at + 1..end]
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| values.get(n.checked_sub(1)?))
                    .ok_or_else(|| encode(format!("{} has no argument", &sql[at..end])))?;
                literal(&mut out, value)?;
                continue;
            }
            (None, _) => {}
        }
        out.push(c);
    }
    Ok(out)
}

fn encode(message: String) -> sqlx::Error {
    sqlx::Error::Encode(message.into())
}

/// Writes `value` as a literal of its type.
fn literal(out: &mut String, value: &AnyValueKind<'_>) -> Result<(), sqlx::Error> {
    match value {
        AnyValueKind::Null(kind) => {
            let _ = write!(out, "NULL::{}", type_name(*kind));
        }
        AnyValueKind::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        AnyValueKind::SmallInt(n) => {
            let _ = write!(out, "({n})::int2");
        }
        AnyValueKind::Integer(n) => {
            let _ = write!(out, "({n})::int4");
        }
        AnyValueKind::BigInt(n) => {
            let _ = write!(out, "({n})::int8");
        }
        AnyValueKind::Real(x) => {
            let _ = write!(out, "'{x}'::float4");
        }
        AnyValueKind::Double(x) => {
            let _ = write!(out, "'{x}'::float8");
        }
        AnyValueKind::Text(text) => {
            if text.contains('\0') {
                return Err(encode("a text holds a NUL character".into()));
            }
            // An escape string: read the same whatever `standard_conforming_strings` says.
            out.push_str("E'");
            for c in text.chars() {
                match c {
                    '\'' => out.push_str("''"),
                    '\\' => out.push_str("\\\\"),
                    c => out.push(c),
                }
            }
            out.push_str("'::text");
        }
        AnyValueKind::Blob(bytes) => {
            let _ = write!(out, "E'\\\\x{}'::bytea", crate::domain::text::hex(bytes));
        }
        _ => return Err(encode("an argument of a kind this driver does not send".into())),
    }
    Ok(())
}

/// The PostgreSQL type the `Any` driver sends a value of `kind` as.
fn type_name(kind: AnyTypeInfoKind) -> &'static str {
    match kind {
        AnyTypeInfoKind::Bool => "bool",
        AnyTypeInfoKind::SmallInt => "int2",
        AnyTypeInfoKind::Integer => "int4",
        AnyTypeInfoKind::BigInt => "int8",
        AnyTypeInfoKind::Real => "float4",
        AnyTypeInfoKind::Double => "float8",
        AnyTypeInfoKind::Blob => "bytea",
        AnyTypeInfoKind::Null | AnyTypeInfoKind::Text => "text",
    }
}

#[cfg(test)]
mod tests {
    use sqlx::Execute as _;

    use super::inline;

    type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

    fn inlined(mut query: Query<'_>) -> String {
        let arguments = query.take_arguments().expect("arguments");
        inline(query.sql(), arguments.as_ref()).expect("inline")
    }

    #[test]
    fn arguments_become_literals_of_their_types() {
        let query: Query<'_> =
            sqlx::query("UPDATE t SET a = $1, b = $2, c = $3 WHERE d = $10 AND e = '$1' AND \"$2\" = $1")
                .bind("it's a \\ test")
                .bind(7_i64)
                .bind(None::<String>)
                .bind(1)
                .bind(2)
                .bind(3)
                .bind(4)
                .bind(5)
                .bind(6)
                .bind("ten");
        assert_eq!(
            inlined(query),
            "UPDATE t SET a = E'it''s a \\\\ test'::text, b = (7)::int8, c = NULL::text \
             WHERE d = E'ten'::text AND e = '$1' AND \"$2\" = E'it''s a \\\\ test'::text"
        );
    }

    #[test]
    fn a_nul_or_a_missing_argument_is_refused() {
        let mut nul: Query<'_> = sqlx::query("SELECT $1").bind("a\0b");
        let arguments = nul.take_arguments().expect("arguments");
        assert!(inline("SELECT $1", arguments.as_ref()).is_err());
        assert!(inline("SELECT $1", None).is_err());
        assert_eq!(
            inline("SELECT 1; COMMIT", None).expect("no arguments"),
            "SELECT 1; COMMIT"
        );
    }
}
