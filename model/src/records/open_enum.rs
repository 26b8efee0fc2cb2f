//! Enums of values a newer server may add to: each known value has a variant, and any
//! other arrives as `Unknown(text)`, so an older app keeps working (and shows the text)
//! instead of failing to read the record.

/// Declares an open enum: its variants with their wire texts, plus `Unknown(String)`.
/// Serialised as the wire text; every string deserialises.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know (sent by a newer server), as sent.
            Unknown(String),
        }

        impl $name {
            /// Every value this version knows, as it appears on the wire.
            pub const KNOWN: &'static [&'static str] = &[$($text),+];

            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )+
                    Self::Unknown(text) => text,
                }
            }

            /// Reads the wire form; any other text is kept as `Unknown`.
            pub fn parse(text: &str) -> Self {
                match text {
                    $( $text => Self::$variant, )+
                    other => Self::Unknown(other.to_owned()),
                }
            }

            /// False for a value this version does not know.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self::parse(text)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str($crate::records::open_enum::TextVisitor(Self::parse))
            }
        }

        #[cfg(feature = "openapi")]
        impl ::utoipa::PartialSchema for $name {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema> {
                $crate::records::open_enum::schema(Self::KNOWN)
            }
        }

        #[cfg(feature = "openapi")]
        impl ::utoipa::ToSchema for $name {
            fn name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    };
}

pub(crate) use open_enum;

/// Reads a string (borrowed or owned) through a parse function.
pub(crate) struct TextVisitor<T>(pub fn(&str) -> T);

impl<T> serde::de::Visitor<'_> for TextVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
        Ok((self.0)(text))
    }
}

/// The OpenAPI schema of an open enum: a string, with the known values described (not
/// listed as `enum`, which would tell clients that no other value can come).
#[cfg(feature = "openapi")]
pub(crate) fn schema(known: &[&str]) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let listed: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(format!(
            "One of {}. A newer server may send other values: clients keep and show them.",
            listed.join(", ")
        )))
        .into()
}
