//! [`ListingWriter`]: one batch of upserts, visible and durable at its commit.

use std::collections::HashMap;
use std::fmt;

use tantivy::collector::TopDocs;
use tantivy::indexer::UserOperation;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{IndexWriter, Searcher, TantivyDocument, Term};

use super::schema::{current_doc, current_key, date_number, history_doc, history_key};
use super::{IndexError, Listing, ListingIndex};

/// Writes one batch of listings; nothing is visible or durable before [`commit`](Self::commit).
pub struct ListingWriter<'i> {
    pub(super) index: &'i ListingIndex,
    pub(super) writer: IndexWriter<TantivyDocument>,
    pub(super) committed: Searcher,
    /// Latest snapshot (yyyymmdd) of every id upserted in this batch.
    pub(super) latest: HashMap<String, u64>,
    pub(super) pending: u64,
    /// Deletes and adds not yet handed to tantivy, in order: handed over [`OPS_BATCH`] at a
    /// time (one channel send and wake-up of the indexing thread per batch instead of one
    /// per document), and all of them before a commit.
    pub(super) ops: Vec<UserOperation<TantivyDocument>>,
}

/// Operations handed to tantivy's indexing threads at once.
pub(super) const OPS_BATCH: usize = 1024;

impl fmt::Debug for ListingWriter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListingWriter")
            .field("index", &self.index.path)
            .field("pending", &self.pending)
            .finish()
    }
}

impl ListingWriter<'_> {
    /// Inserts or replaces the listing's row for its (id, snapshot), and its current row when
    /// the snapshot is not older than the latest one indexed for the id.
    pub fn upsert(&mut self, listing: &Listing) -> Result<(), IndexError> {
        let f = self.index.fields;
        let snapshot = date_number(listing.snapshot);
        let previous = match self.latest.get(&listing.id) {
            Some(&s) => Some(s),
            None => self.committed_latest(&listing.id)?,
        };
        // An id neither committed nor seen in this batch has no row to replace: skipping its
        // deletes matters, since tantivy resolves every queued delete term when it flushes.
        if previous.is_some() {
            let key = history_key(&listing.id, snapshot);
            let term = Term::from_field_text(f.key, &key);
            self.ops.push(UserOperation::Delete(term));
        }
        let history = history_doc(&f, &listing.id, snapshot, listing.sales, listing.price);
        self.ops.push(UserOperation::Add(history));

        if previous.is_none_or(|p| snapshot >= p) {
            if previous.is_some() {
                let key = current_key(&listing.id);
                let term = Term::from_field_text(f.key, &key);
                self.ops.push(UserOperation::Delete(term));
            }
            self.ops.push(UserOperation::Add(current_doc(&f, listing)));
            self.latest.insert(listing.id.clone(), snapshot);
        } else if let Some(p) = previous {
            self.latest.insert(listing.id.clone(), p);
        }
        self.pending += 1;
        if self.ops.len() >= OPS_BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Hands the queued operations to tantivy, in order.
    pub(super) fn flush(&mut self) -> Result<(), IndexError> {
        if self.ops.is_empty() {
            return Ok(());
        }
        self.writer
            .run(self.ops.drain(..))
            .map_err(|e| self.index.err(e))?;
        Ok(())
    }

    /// The snapshot of the id's current row in the last commit.
    pub(super) fn committed_latest(&self, id: &str) -> Result<Option<u64>, IndexError> {
        if self.committed.num_docs() == 0 {
            return Ok(None);
        }
        let term = Term::from_field_text(self.index.fields.key, &current_key(id));
        let query = TermQuery::new(term, IndexRecordOption::Basic);
        let top = self
            .committed
            .search(&query, &TopDocs::with_limit(1).order_by_score())
            .map_err(|e| self.index.err(e))?;
        let Some((_, address)) = top.first() else {
            return Ok(None);
        };
        let column = self
            .committed
            .segment_reader(address.segment_ord)
            .fast_fields()
            .u64("snapshot")
            .map_err(|e| self.index.err(e))?;
        Ok(column.first(address.doc_id))
    }

    /// Upserts since the last commit.
    pub fn pending(&self) -> u64 {
        self.pending
    }

    /// Makes the batch durable and visible to searches; returns how many upserts it held.
    pub fn commit(&mut self) -> Result<u64, IndexError> {
        self.flush()?;
        self.writer.commit().map_err(|e| self.index.err(e))?;
        self.index.reload()?;
        self.committed = self.index.reader.searcher();
        self.latest.clear();
        Ok(std::mem::take(&mut self.pending))
    }

    /// Drops the upserts since the last commit.
    pub fn rollback(&mut self) -> Result<(), IndexError> {
        self.ops.clear();
        self.writer.rollback().map_err(|e| self.index.err(e))?;
        self.latest.clear();
        self.pending = 0;
        Ok(())
    }
}
