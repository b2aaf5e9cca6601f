//! tantivy collectors and BM25 statistics over live current rows: top hits by (score, id),
//! sales sums, rows per id, snapshot and current-row counts. Each sees every segment the
//! same way, so no result depends on how the rows fell into segments.

use std::collections::{BTreeMap, HashMap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::{Field as SchemaField, IndexRecordOption};
use tantivy::{
    DocAddress, DocId, DocSet, Score, Searcher, SegmentOrdinal, SegmentReader, TERMINATED, Term,
};

use super::Coverage;

/// How many live current rows an index holds and how many title tokens they carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LiveCounts {
    pub(super) docs: u64,
    pub(super) tokens: u64,
}

impl LiveCounts {
    /// Counts over the live rows of every segment, the same way whatever the segment layout:
    /// tokens are the rows' field norms summed (tantivy's per-segment total also counts deleted
    /// rows, and mixing the two would make the sum depend on which segments have deletes).
    pub(super) fn of(searcher: &Searcher, title: SchemaField) -> tantivy::Result<LiveCounts> {
        let mut counts = LiveCounts { docs: 0, tokens: 0 };
        for segment in searcher.segment_readers() {
            let current = segment.fast_fields().u64("current")?;
            let norms = segment.get_fieldnorms_reader(title)?;
            for doc in segment.doc_ids_alive() {
                if current.first(doc) == Some(1) {
                    counts.docs += 1;
                    counts.tokens += u64::from(norms.fieldnorm(doc));
                }
            }
        }
        Ok(counts)
    }
}

/// BM25 collection statistics that depend only on the listings an index holds: the number
/// of live current rows (history rows carry no title and are not part of the collection), the
/// title tokens they carry, and per term the live rows holding it. tantivy's defaults count
/// every row of a segment, deleted ones included until a merge drops them, so the same
/// listings written in other batches or by other threads would score differently.
pub(super) struct LiveStatistics<'s> {
    pub(super) searcher: &'s Searcher,
    pub(super) title: SchemaField,
    pub(super) counts: LiveCounts,
}

impl Bm25StatisticsProvider for LiveStatistics<'_> {
    fn total_num_tokens(&self, field: SchemaField) -> tantivy::Result<u64> {
        if field == self.title {
            return Ok(self.counts.tokens);
        }
        Ok(LiveCounts::of(self.searcher, field)?.tokens)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.counts.docs)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let mut n = 0u64;
        for segment in self.searcher.segment_readers() {
            let inverted = segment.inverted_index(term.field())?;
            let Some(alive) = segment.alive_bitset() else {
                n += u64::from(inverted.doc_freq(term)?);
                continue;
            };
            let Some(mut postings) = inverted.read_postings(term, IndexRecordOption::Basic)? else {
                continue;
            };
            let mut doc = postings.doc();
            while doc != TERMINATED {
                n += u64::from(alive.is_alive(doc));
                doc = postings.advance();
            }
        }
        Ok(n)
    }
}

/// The `k` best hits by score, equal scores by listing id: a total order over listings, so
/// the result does not depend on which segment or address a row has (tantivy's `TopDocs`
/// breaks ties by address). Within a segment ids compare by their ordinal in the segment's
/// sorted id dictionary, so strings are only read for each segment's own top `k`.
pub(super) struct TopById {
    pub(super) k: usize,
}

/// A hit of one segment: score, id ordinal, document.
#[derive(Debug, Clone, Copy)]
pub(super) struct SegmentHit(Score, u64, DocId);

impl PartialEq for SegmentHit {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for SegmentHit {}

impl PartialOrd for SegmentHit {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SegmentHit {
    /// Better is smaller: higher score, then lower id.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.0.total_cmp(&self.0).then(self.1.cmp(&other.1))
    }
}

pub(super) struct TopByIdSegment {
    pub(super) k: usize,
    pub(super) segment: SegmentOrdinal,
    pub(super) ids: Option<StrColumn>,
    /// Max-heap of the best `k` so far: its top is the worst of them.
    pub(super) heap: std::collections::BinaryHeap<SegmentHit>,
}

impl Collector for TopById {
    type Fruit = Vec<(Score, String, DocAddress)>;
    type Child = TopByIdSegment;

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(TopByIdSegment {
            k: self.k,
            segment: segment_ord,
            ids: segment.fast_fields().str("id")?,
            heap: std::collections::BinaryHeap::with_capacity(self.k + 1),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(
        &self,
        fruits: Vec<Vec<(Score, String, DocAddress)>>,
    ) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<_> = fruits.into_iter().flatten().collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        all.truncate(self.k);
        Ok(all)
    }
}

impl SegmentCollector for TopByIdSegment {
    type Fruit = Vec<(Score, String, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let Some(ord) = self.ids.as_ref().and_then(|c| c.term_ords(doc).next()) else {
            return;
        };
        let hit = SegmentHit(score, ord, doc);
        if self.heap.len() < self.k {
            self.heap.push(hit);
        } else if self.heap.peek().is_some_and(|worst| hit < *worst) {
            self.heap.pop();
            self.heap.push(hit);
        }
    }

    fn harvest(self) -> Self::Fruit {
        let Some(ids) = self.ids else {
            return Vec::new();
        };
        self.heap
            .into_iter()
            .map(|SegmentHit(score, ord, doc)| {
                let mut id = String::new();
                // An ordinal read from this column is always in its dictionary.
                let _ = ids.ord_to_str(ord, &mut id);
                (score, id, DocAddress::new(self.segment, doc))
            })
            .collect()
    }
}

/// Counts matching rows and sums their sales.
pub(super) struct SalesSum;

pub(super) struct SalesSumSegment {
    pub(super) sales: Column<u64>,
    pub(super) count: u64,
    pub(super) sum: u64,
}

impl Collector for SalesSum {
    type Fruit = Coverage;
    type Child = SalesSumSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(SalesSumSegment {
            sales: segment.fast_fields().u64("sales")?,
            count: 0,
            sum: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<(u64, u64)>) -> tantivy::Result<Coverage> {
        Ok(fruits
            .into_iter()
            .fold(Coverage::default(), |c, (n, s)| Coverage {
                listings: c.listings + n,
                sales: c.sales + s,
            }))
    }
}

impl SegmentCollector for SalesSumSegment {
    type Fruit = (u64, u64);

    fn collect(&mut self, doc: DocId, _: Score) {
        self.count += 1;
        self.sum += self.sales.first(doc).unwrap_or(0);
    }

    fn harvest(self) -> (u64, u64) {
        (self.count, self.sum)
    }
}

/// A snapshot day (yyyymmdd) and the sales on it.
pub(super) type DaySales = (u64, u64);

/// One matching row's id, snapshot and sales, read from fast fields.
pub(super) struct IdRow {
    pub(super) id: String,
    pub(super) snapshot: u64,
    pub(super) sales: Option<u64>,
}

/// Collects [`IdRow`]s; ids are read as per-segment ordinals and resolved once per ordinal.
pub(super) struct IdRows;

pub(super) struct IdRowsSegment {
    pub(super) ids: Option<StrColumn>,
    pub(super) snapshot: Column<u64>,
    pub(super) sales: Column<u64>,
    pub(super) rows: Vec<(u64, u64, Option<u64>)>,
}

impl Collector for IdRows {
    type Fruit = Vec<IdRow>;
    type Child = IdRowsSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let fast = segment.fast_fields();
        Ok(IdRowsSegment {
            ids: fast.str("id")?,
            snapshot: fast.u64("snapshot")?,
            sales: fast.u64("sales")?,
            rows: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<IdRow>>) -> tantivy::Result<Vec<IdRow>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for IdRowsSegment {
    type Fruit = Vec<IdRow>;

    fn collect(&mut self, doc: DocId, _: Score) {
        let Some(ord) = self.ids.as_ref().and_then(|c| c.term_ords(doc).next()) else {
            return;
        };
        let snapshot = self.snapshot.first(doc).unwrap_or(0);
        self.rows.push((ord, snapshot, self.sales.first(doc)));
    }

    fn harvest(self) -> Vec<IdRow> {
        let Some(ids) = self.ids else {
            return Vec::new();
        };
        let mut names: HashMap<u64, String> = HashMap::new();
        let mut rows = Vec::with_capacity(self.rows.len());
        for (ord, snapshot, sales) in self.rows {
            let id = names
                .entry(ord)
                .or_insert_with(|| {
                    let mut s = String::new();
                    // An ordinal read from this column is always in its dictionary.
                    let _ = ids.ord_to_str(ord, &mut s);
                    s
                })
                .clone();
            rows.push(IdRow {
                id,
                snapshot,
                sales,
            });
        }
        rows
    }
}

/// Counts rows per snapshot day (yyyymmdd), from the fast field alone.
pub(super) struct SnapshotCounts;

pub(super) struct SnapshotCountsSegment {
    pub(super) snapshot: Column<u64>,
    pub(super) counts: HashMap<u64, u64>,
}

impl Collector for SnapshotCounts {
    type Fruit = BTreeMap<u64, u64>;
    type Child = SnapshotCountsSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(SnapshotCountsSegment {
            snapshot: segment.fast_fields().u64("snapshot")?,
            counts: HashMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<HashMap<u64, u64>>) -> tantivy::Result<Self::Fruit> {
        let mut total = BTreeMap::new();
        for (day, n) in fruits.into_iter().flatten() {
            *total.entry(day).or_insert(0) += n;
        }
        Ok(total)
    }
}

impl SegmentCollector for SnapshotCountsSegment {
    type Fruit = HashMap<u64, u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(day) = self.snapshot.first(doc) {
            *self.counts.entry(day).or_insert(0) += 1;
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.counts
    }
}

/// Counts current rows per role and per category.
pub(super) struct CurrentCounts;

pub(super) type Counts = (BTreeMap<String, u64>, BTreeMap<Option<String>, u64>, u64);

pub(super) struct CurrentCountsSegment {
    pub(super) role: Option<StrColumn>,
    pub(super) category: Option<StrColumn>,
    pub(super) roles: HashMap<u64, u64>,
    pub(super) categories: HashMap<Option<u64>, u64>,
    pub(super) count: u64,
}

impl Collector for CurrentCounts {
    type Fruit = Counts;
    type Child = CurrentCountsSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let fast = segment.fast_fields();
        Ok(CurrentCountsSegment {
            role: fast.str("role")?,
            category: fast.str("category")?,
            roles: HashMap::new(),
            categories: HashMap::new(),
            count: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut total = Counts::default();
        for (roles, categories, count) in fruits {
            for (k, v) in roles {
                *total.0.entry(k).or_insert(0) += v;
            }
            for (k, v) in categories {
                *total.1.entry(k).or_insert(0) += v;
            }
            total.2 += count;
        }
        Ok(total)
    }
}

impl SegmentCollector for CurrentCountsSegment {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.count += 1;
        if let Some(ord) = self.role.as_ref().and_then(|c| c.term_ords(doc).next()) {
            *self.roles.entry(ord).or_insert(0) += 1;
        }
        let category = self.category.as_ref().and_then(|c| c.term_ords(doc).next());
        *self.categories.entry(category).or_insert(0) += 1;
    }

    fn harvest(self) -> Counts {
        let name = |column: &Option<StrColumn>, ord: u64| {
            let mut s = String::new();
            if let Some(c) = column {
                let _ = c.ord_to_str(ord, &mut s);
            }
            s
        };
        let roles = self
            .roles
            .iter()
            .map(|(&ord, &n)| (name(&self.role, ord), n))
            .collect();
        let categories = self
            .categories
            .iter()
            .map(|(&ord, &n)| (ord.map(|o| name(&self.category, o)), n))
            .collect();
        (roles, categories, self.count)
    }
}
