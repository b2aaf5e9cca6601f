//! The title engine, above the text model and the market: [`score`] (which real queries a
//! title is found for) and [`edit`] (the fewest edits that gain the most).

pub mod edit;
pub mod score;
