-- Column order has no meaning to the queries: nothing to undo.
SELECT 1;
