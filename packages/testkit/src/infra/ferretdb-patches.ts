// Two fixes to FerretDB 1.24's SQLite backend, applied when our binary is built (go build
// -overlay: the module's files stay as the proxy served them; the compiler reads ours instead).
//
// FerretDB on SQLite finds a document by _id in SQL only when the filter is `{ _id: value }`
// alone, and even then not through its index: the index is made on _ferretdb_sjson->"_id",
// the lookups say _ferretdb_sjson->'$._id', and SQLite uses an index only for the expression
// it was made on (upstream: FerretDB issue 3340; 4646 is the same for PostgreSQL). Every other
// filter, { _id, tenantId } or { _id, version } included, reads and decodes the whole collection
// in Go. The services find and change almost everything by _id with a condition or two, so the
// platform slowed down with every document stored: with 50 contracts in flight FerretDB took
// both cores, 70% of it decoding rows its filters then dropped. Measured on one collection of
// 2,000 documents of 5 KB: an update by _id 16.3 ms, a find by anything else 154 ms.
//
// 1. The _id expression is the index's: lookups, updates and deletes by _id use the index.
// 2. A filter that names _id once narrows the SQL query to that _id whatever else it holds;
//    FerretDB applies the whole filter to what the query returns, as it always does.

export interface SourcePatch {
  /** Path inside the FerretDB module. */
  file: string;
  /** Text replaced in the file: each occurrence, and there must be `count` of them. */
  find?: string;
  replace?: string;
  count?: number;
  /** Or a file added to the package. */
  add?: string;
}

export const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';

export const ferretDbPatches: SourcePatch[] = [
  {
    file: 'internal/backends/sqlite/metadata/metadata.go',
    find: `IDColumn = DefaultColumn + "->'$._id'"`,
    replace: `IDColumn = DefaultColumn + "->\\"_id\\""`,
    count: 1,
  },
  {
    // Query and Explain.
    file: 'internal/backends/sqlite/collection.go',
    find: `if params.Filter.Len() == 1 {
		v, _ := params.Filter.Get("_id")`,
    replace: `if v, ok := jitsuinIDFilter(params.Filter); ok {`,
    count: 2,
  },
  {
    file: 'internal/backends/sqlite/jitsuin_id_filter.go',
    add: `package sqlite

import "github.com/FerretDB/FerretDB/internal/types"

// jitsuinIDFilter returns the value the filter gives _id, when it names _id exactly once (a
// duplicated key would make Get panic). Added by Jitsuin's build (packages/testkit).
func jitsuinIDFilter(filter *types.Document) (any, bool) {
	n := 0
	for _, key := range filter.Keys() {
		if key == "_id" {
			n++
		}
	}
	if n != 1 {
		return nil, false
	}
	v, _ := filter.Get("_id")
	return v, true
}
`,
  },
];
