//! The index's schema and its documents: the skinny history row and the full current row of
//! a listing (see the module docs of [`super`]), and how their keys and days are written.

use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Field as SchemaField, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};

use super::INDEX_TOKENIZER;
use super::listing::Listing;
use crate::input::Date;

#[derive(Debug, Clone, Copy)]
pub(super) struct Fields {
    pub(super) key: SchemaField,
    pub(super) current: SchemaField,
    pub(super) id: SchemaField,
    pub(super) title: SchemaField,
    pub(super) brand: SchemaField,
    pub(super) product: SchemaField,
    pub(super) category: SchemaField,
    pub(super) shop: SchemaField,
    pub(super) role: SchemaField,
    pub(super) price: SchemaField,
    pub(super) sales: SchemaField,
    pub(super) snapshot: SchemaField,
}

pub(super) const FIELD_NAMES: [&str; 12] = [
    "key", "current", "id", "title", "brand", "product", "category", "shop", "role", "price",
    "sales", "snapshot",
];

pub(super) fn schema() -> Schema {
    let mut b = Schema::builder();
    b.add_text_field("key", STRING);
    b.add_u64_field("current", INDEXED | FAST);
    b.add_text_field("id", STRING | STORED | FAST);
    let title = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(INDEX_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    b.add_text_field("title", title);
    b.add_text_field("brand", STRING | STORED);
    b.add_text_field("product", STRING | STORED);
    b.add_text_field("category", STRING | STORED | FAST);
    b.add_text_field("shop", STRING | STORED);
    b.add_text_field("role", STRING | STORED | FAST);
    b.add_f64_field("price", STORED);
    b.add_u64_field("sales", STORED | FAST);
    b.add_u64_field("snapshot", INDEXED | STORED | FAST);
    b.build()
}

pub(super) fn fields(schema: &Schema) -> Result<Fields, String> {
    let mut found = Vec::with_capacity(FIELD_NAMES.len());
    for name in FIELD_NAMES {
        found.push(
            schema
                .get_field(name)
                .map_err(|_| format!("no field {name:?}"))?,
        );
    }
    if schema != &self::schema() {
        return Err("its schema differs from this version's".to_owned());
    }
    Ok(Fields {
        key: found[0],
        current: found[1],
        id: found[2],
        title: found[3],
        brand: found[4],
        product: found[5],
        category: found[6],
        shop: found[7],
        role: found[8],
        price: found[9],
        sales: found[10],
        snapshot: found[11],
    })
}

/// A day as the index stores it: `yyyymmdd` ([`Date::yyyymmdd`]) in a u64 fast field.
pub(super) fn date_number(date: Date) -> u64 {
    u64::from(date.yyyymmdd())
}

/// The day of a stored `yyyymmdd`; `None` when it is not one.
pub(super) fn number_date(n: u64) -> Option<Date> {
    Date::from_yyyymmdd(u32::try_from(n).ok()?)
}

pub(super) fn current_key(id: &str) -> String {
    format!("c\u{1f}{id}")
}

pub(super) fn history_key(id: &str, snapshot: u64) -> String {
    format!("h\u{1f}{id}\u{1f}{snapshot}")
}

/// The skinny history row of one (id, snapshot): no title terms (module docs).
pub(super) fn history_doc(
    f: &Fields,
    id: &str,
    snapshot: u64,
    sales: Option<u64>,
    price: Option<f64>,
) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    doc.add_text(f.key, history_key(id, snapshot));
    doc.add_u64(f.current, 0);
    doc.add_text(f.id, id);
    doc.add_u64(f.snapshot, snapshot);
    if let Some(sales) = sales {
        doc.add_u64(f.sales, sales);
    }
    if let Some(price) = price {
        doc.add_f64(f.price, price);
    }
    doc
}

/// The full current row of a listing; its title is tokenised by the index it is added to.
pub(super) fn current_doc(f: &Fields, listing: &Listing) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    doc.add_text(f.key, current_key(&listing.id));
    doc.add_u64(f.current, 1);
    doc.add_text(f.id, &listing.id);
    doc.add_text(f.title, &listing.title);
    for (field, value) in [
        (f.brand, &listing.brand),
        (f.product, &listing.product),
        (f.category, &listing.category),
        (f.shop, &listing.shop),
    ] {
        if let Some(value) = value {
            doc.add_text(field, value);
        }
    }
    doc.add_text(f.role, listing.role.as_str());
    if let Some(price) = listing.price {
        doc.add_f64(f.price, price);
    }
    if let Some(sales) = listing.sales {
        doc.add_u64(f.sales, sales);
    }
    doc.add_u64(f.snapshot, date_number(listing.snapshot));
    doc
}
