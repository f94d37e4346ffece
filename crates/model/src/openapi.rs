//! OpenAPI schemas of the model's value types (feature `openapi`), for the HTTP server's generated
//! document. The types that serialise as strings through `TryFrom<String>` are described here by hand; the
//! plain structs and enums derive theirs where they are declared.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use crate::{ChainId, CreditCode, IndustryCode, LinkId, RegionCode, Unit};

macro_rules! string_schema {
    ($($ty:ty => $desc:literal, $example:literal;)*) => {$(
        impl utoipa::PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some($desc))
                    .examples([$example])
                    .into()
            }
        }
        impl utoipa::ToSchema for $ty {}
    )*};
}

string_schema! {
    CreditCode => "Unified social credit code (统一社会信用代码, GB 32100-2015), 18 characters with a valid check character.", "91130606120551720G";
    RegionCode => "Division code (GB/T 2260) of Beijing, Tianjin or Hebei, six digits.", "130200";
    IndustryCode => "Industry code of GB/T 4754-2017: a section letter or 2 to 4 digits.", "3670";
    ChainId => "Chain id: a lowercase slug.", "automotive";
    LinkId => "Link id within its chain: a lowercase slug.", "stamping-welding";
    Unit => "Unit of a quantity as people write it (件, 吨, 片, kWh, …).", "件";
}
