//! Rows for `COPY … FROM STDIN` in PostgreSQL's text format: columns separated by tabs, rows ended by a
//! newline, `\N` for NULL, and backslash escapes for a backslash, tab, newline and carriage return inside a
//! value (<https://www.postgresql.org/docs/15/sql-copy.html>, "Text Format"). Arrays are written as array
//! literals (`{"a","b"}`, with `"` and `\` escaped by a backslash) and then escaped as any text value.
//!
//! Multi-byte UTF-8 sequences never contain ASCII bytes, so escaping byte by byte is exact.

use sqlx::postgres::PgConnection;

use chaindock_store::StoreError;

use crate::classify;

/// Bytes sent per `CopyData` batch: large enough that the round trips do not matter, small enough that a
/// million-row import does not hold its whole text in memory.
const BATCH_BYTES: usize = 1 << 20;

#[derive(Default)]
pub(crate) struct Row {
    buf: Vec<u8>,
    /// Whether the current line has a column already (and the next needs a tab before it).
    open: bool,
}

impl Row {
    fn sep(&mut self) {
        if self.open {
            self.buf.push(b'\t');
        }
        self.open = true;
    }

    fn escaped(&mut self, s: &str) {
        for &b in s.as_bytes() {
            match b {
                b'\\' => self.buf.extend_from_slice(b"\\\\"),
                b'\t' => self.buf.extend_from_slice(b"\\t"),
                b'\n' => self.buf.extend_from_slice(b"\\n"),
                b'\r' => self.buf.extend_from_slice(b"\\r"),
                _ => self.buf.push(b),
            }
        }
    }

    pub fn text(&mut self, s: &str) -> &mut Self {
        self.sep();
        self.escaped(s);
        self
    }

    pub fn opt_text(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    pub fn null(&mut self) -> &mut Self {
        self.sep();
        self.buf.extend_from_slice(b"\\N");
        self
    }

    pub fn int(&mut self, n: i64) -> &mut Self {
        self.sep();
        self.buf.extend_from_slice(n.to_string().as_bytes());
        self
    }

    /// A float8: Rust's shortest round-trip decimal, which PostgreSQL reads back to the same bits.
    pub fn float(&mut self, x: f64) -> &mut Self {
        self.sep();
        let s = if x.is_nan() {
            "NaN".to_string()
        } else if x.is_infinite() {
            if x > 0.0 { "Infinity".to_string() } else { "-Infinity".to_string() }
        } else {
            x.to_string()
        };
        self.buf.extend_from_slice(s.as_bytes());
        self
    }

    pub fn opt_float(&mut self, x: Option<f64>) -> &mut Self {
        match x {
            Some(x) => self.float(x),
            None => self.null(),
        }
    }

    pub fn bool(&mut self, b: bool) -> &mut Self {
        self.sep();
        self.buf.push(if b { b't' } else { b'f' });
        self
    }

    /// A `text[]` value.
    pub fn text_array(&mut self, items: &[String]) -> &mut Self {
        let mut literal = String::from("{");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                literal.push(',');
            }
            literal.push('"');
            for c in item.chars() {
                if c == '"' || c == '\\' {
                    literal.push('\\');
                }
                literal.push(c);
            }
            literal.push('"');
        }
        literal.push('}');
        self.sep();
        self.escaped(&literal);
        self
    }

    /// End the current line.
    pub fn end(&mut self) {
        self.buf.push(b'\n');
        self.open = false;
    }
}

/// A `COPY … FROM STDIN` fed row by row, for rows that arrive as a stream (a restore): lines are sent in
/// batches of [`BATCH_BYTES`].
pub(crate) struct CopyStream<'c> {
    copy: sqlx::postgres::PgCopyIn<&'c mut PgConnection>,
    row: Row,
}

impl<'c> CopyStream<'c> {
    pub async fn start(conn: &'c mut PgConnection, statement: &str) -> Result<Self, StoreError> {
        let copy = conn.copy_in_raw(statement).await.map_err(|e| classify("cannot start a copy", e))?;
        Ok(CopyStream { copy, row: Row::default() })
    }

    /// The line being written; end it with [`CopyStream::end_row`].
    pub fn row(&mut self) -> &mut Row {
        &mut self.row
    }

    pub async fn end_row(&mut self) -> Result<(), StoreError> {
        self.row.end();
        if self.row.buf.len() >= BATCH_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), StoreError> {
        if !self.row.buf.is_empty() {
            self.copy.send(self.row.buf.as_slice()).await.map_err(|e| classify("cannot copy rows", e))?;
            self.row.buf.clear();
        }
        Ok(())
    }

    /// Send what is left and end the copy; returns the rows PostgreSQL took.
    pub async fn finish(mut self) -> Result<u64, StoreError> {
        self.flush().await?;
        self.copy.finish().await.map_err(|e| classify("cannot copy rows", e))
    }
}

/// Run `statement` (a `COPY … FROM STDIN`) on `conn` with one line per item, written by `write`; returns
/// the rows PostgreSQL took. On any error the copy is aborted, which fails the surrounding transaction.
pub(crate) async fn copy_in<T>(
    conn: &mut PgConnection,
    statement: &str,
    items: &[T],
    mut write: impl FnMut(&mut Row, usize, &T),
) -> Result<u64, StoreError> {
    let context = "cannot copy rows into PostgreSQL";
    let mut copy = conn.copy_in_raw(statement).await.map_err(|e| classify(context, e))?;
    let mut row = Row::default();
    for (i, item) in items.iter().enumerate() {
        write(&mut row, i, item);
        row.end();
        if row.buf.len() >= BATCH_BYTES || i + 1 == items.len() {
            let sent = copy.send(row.buf.as_slice()).await.map(|_| ());
            if let Err(e) = sent {
                // The copy's own error is the one worth reporting; the abort only returns the connection.
                let _ = copy.abort("chaindock could not send the rows").await;
                return Err(classify(context, e));
            }
            row.buf.clear();
        }
    }
    copy.finish().await.map_err(|e| classify(context, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(f: impl FnOnce(&mut Row)) -> String {
        let mut r = Row::default();
        f(&mut r);
        r.end();
        String::from_utf8(r.buf).unwrap()
    }

    #[test]
    fn values_are_escaped_for_the_text_format() {
        assert_eq!(
            line(|r| {
                r.text("a\tb").text("c\\d").null().int(-3).bool(true);
            }),
            "a\\tb\tc\\\\d\t\\N\t-3\tt\n"
        );
        assert_eq!(
            line(|r| {
                r.text("第一行\n第二行\r");
            }),
            "第一行\\n第二行\\r\n"
        );
        assert_eq!(
            line(|r| {
                r.float(0.7).float(f64::NAN).float(f64::NEG_INFINITY).opt_float(None);
            }),
            "0.7\tNaN\t-Infinity\t\\N\n"
        );
    }

    #[test]
    fn arrays_escape_quotes_and_backslashes_twice() {
        // The literal is {"唐钢","T \"x\"","a\\b"}; COPY then doubles each backslash.
        let items = vec!["唐钢".to_string(), "T \"x\"".to_string(), "a\\b".to_string()];
        assert_eq!(
            line(|r| {
                r.text_array(&items);
            }),
            "{\"唐钢\",\"T \\\\\"x\\\\\"\",\"a\\\\\\\\b\"}\n"
        );
        assert_eq!(
            line(|r| {
                r.text_array(&[]);
            }),
            "{}\n"
        );
    }
}
