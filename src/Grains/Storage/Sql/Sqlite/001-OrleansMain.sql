-- Orleans' query table: the ADO.NET providers read every statement they run from here, by key.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);
