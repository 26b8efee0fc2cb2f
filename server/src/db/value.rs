//! Values crossing the storage layer in either direction, independent of the backend:
//! parameters are turned into [`Value`]s with [`ToValue`] (see the `params!` macro), and
//! rows come back as [`Row`]s read with typed getters ([`FromValue`]).

use crate::error::ServerError;

/// One SQL value. Integers are 64-bit on both backends (times are Unix milliseconds,
/// flags are 0 or 1).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Integer(_) => "integer",
            Self::Real(_) => "real",
            Self::Text(_) => "text",
            Self::Blob(_) => "blob",
        }
    }
}

/// Anything that can be a statement parameter.
pub trait ToValue {
    /// The parameter as a [`Value`].
    fn to_value(&self) -> Value;
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl ToValue for i64 {
    fn to_value(&self) -> Value {
        Value::Integer(*self)
    }
}

impl ToValue for i32 {
    fn to_value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
}

impl ToValue for u32 {
    fn to_value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}

/// Anything a column can be read as.
pub trait FromValue: Sized {
    /// Converts, or says what was found instead.
    fn from_value(value: &Value) -> Result<Self, String>;
}

fn mismatch<T>(wanted: &str, found: &Value) -> Result<T, String> {
    Err(format!("expected {wanted}, found {}", found.kind()))
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Text(text) => Ok(text.clone()),
            other => mismatch("text", other),
        }
    }
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Integer(n) => Ok(*n),
            other => mismatch("integer", other),
        }
    }
}

impl FromValue for u64 {
    fn from_value(value: &Value) -> Result<Self, String> {
        let n = i64::from_value(value)?;
        u64::try_from(n).map_err(|_| format!("expected a non-negative integer, found {n}"))
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Result<Self, String> {
        i64::from_value(value).map(|n| n != 0)
    }
}

impl FromValue for f64 {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Real(x) => Ok(*x),
            Value::Integer(n) => Ok(*n as f64),
            other => mismatch("real", other),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Blob(bytes) => Ok(bytes.clone()),
            other => mismatch("blob", other),
        }
    }
}

impl FromValue for Value {
    fn from_value(value: &Value) -> Result<Self, String> {
        Ok(value.clone())
    }
}

/// One result row, read by column position.
#[derive(Debug, Clone)]
pub struct Row {
    values: Vec<Value>,
}

impl Row {
    pub(crate) fn new(values: Vec<Value>) -> Self {
        Self { values }
    }

    /// A text column, borrowed (`None` for NULL).
    pub fn get_str(&self, index: usize) -> Result<Option<&str>, ServerError> {
        match self.values.get(index) {
            Some(Value::Text(text)) => Ok(Some(text)),
            Some(Value::Null) => Ok(None),
            Some(other) => Err(ServerError::internal(format!(
                "reading column {index}: expected text, found {}",
                other.kind()
            ))),
            None => Err(ServerError::internal(format!(
                "no column {index} in the row"
            ))),
        }
    }

    /// The column at `index` (0-based) as `T`.
    pub fn get<T: FromValue>(&self, index: usize) -> Result<T, ServerError> {
        let value = self
            .values
            .get(index)
            .ok_or_else(|| ServerError::internal(format!("no column {index} in the row")))?;
        T::from_value(value)
            .map_err(|e| ServerError::internal(format!("reading column {index}: {e}")))
    }
}

/// Statement parameters: `params![a, b]` is a `&[Value]` of anything [`ToValue`].
#[macro_export]
macro_rules! params {
    () => {
        &[] as &[$crate::db::Value]
    };
    ($($param:expr),+ $(,)?) => {
        &[$($crate::db::ToValue::to_value(&$param)),+] as &[$crate::db::Value]
    };
}

/// One result row borrowed from the backend while its query is stepped (see
/// [`crate::db::Conn::for_each`]): text is read in place, without a copy.
pub enum RowRef<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a tokio_postgres::Row),
}

impl RowRef<'_> {
    fn read_error(index: usize, e: impl std::fmt::Display) -> ServerError {
        ServerError::internal(format!("reading column {index}: {e}"))
    }

    /// An integer column (PostgreSQL's smaller integers and booleans too), `None` for NULL.
    pub fn int(&self, index: usize) -> Result<Option<i64>, ServerError> {
        use rusqlite::types::ValueRef;
        use tokio_postgres::types::Type;
        match self {
            Self::Sqlite(row) => match row.get_ref(index) {
                Ok(ValueRef::Integer(n)) => Ok(Some(n)),
                Ok(ValueRef::Null) => Ok(None),
                Ok(other) => Err(Self::read_error(
                    index,
                    format!("expected integer, found {:?}", other.data_type()),
                )),
                Err(e) => Err(Self::read_error(index, e)),
            },
            Self::Postgres(row) => {
                let ty = row
                    .columns()
                    .get(index)
                    .ok_or_else(|| Self::read_error(index, "no such column"))?
                    .type_();
                let read = |e: tokio_postgres::Error| Self::read_error(index, e);
                if *ty == Type::INT8 {
                    row.try_get::<_, Option<i64>>(index).map_err(read)
                } else if *ty == Type::INT4 {
                    Ok(row
                        .try_get::<_, Option<i32>>(index)
                        .map_err(read)?
                        .map(i64::from))
                } else if *ty == Type::INT2 {
                    Ok(row
                        .try_get::<_, Option<i16>>(index)
                        .map_err(read)?
                        .map(i64::from))
                } else if *ty == Type::BOOL {
                    Ok(row
                        .try_get::<_, Option<bool>>(index)
                        .map_err(read)?
                        .map(i64::from))
                } else {
                    Err(Self::read_error(
                        index,
                        format!("expected integer, found {ty}"),
                    ))
                }
            }
        }
    }

    /// A text column's bytes, borrowed and not checked for UTF-8 (for text that is
    /// copied on as it is); `None` for NULL.
    pub fn text_bytes(&self, index: usize) -> Result<Option<&[u8]>, ServerError> {
        use rusqlite::types::ValueRef;
        match self {
            Self::Sqlite(row) => match row.get_ref(index) {
                Ok(ValueRef::Text(bytes)) => Ok(Some(bytes)),
                Ok(ValueRef::Null) => Ok(None),
                Ok(other) => Err(Self::read_error(
                    index,
                    format!("expected text, found {:?}", other.data_type()),
                )),
                Err(e) => Err(Self::read_error(index, e)),
            },
            Self::Postgres(row) => Ok(row
                .try_get::<_, Option<&str>>(index)
                .map_err(|e| Self::read_error(index, e))?
                .map(str::as_bytes)),
        }
    }

    /// A text column, borrowed; `None` for NULL.
    pub fn text(&self, index: usize) -> Result<Option<&str>, ServerError> {
        use rusqlite::types::ValueRef;
        match self {
            Self::Sqlite(row) => match row.get_ref(index) {
                Ok(ValueRef::Text(bytes)) => std::str::from_utf8(bytes)
                    .map(Some)
                    .map_err(|e| Self::read_error(index, e)),
                Ok(ValueRef::Null) => Ok(None),
                Ok(other) => Err(Self::read_error(
                    index,
                    format!("expected text, found {:?}", other.data_type()),
                )),
                Err(e) => Err(Self::read_error(index, e)),
            },
            Self::Postgres(row) => row
                .try_get::<_, Option<&str>>(index)
                .map_err(|e| Self::read_error(index, e)),
        }
    }
}
