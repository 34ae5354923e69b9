-- The SQLite migration of this name moves publications.document to the end of the row, out of
-- the way of the library's search. PostgreSQL already keeps a large document out of line
-- (TOAST), so the columns before and after it are read without it: nothing to do here.
SELECT 1;
