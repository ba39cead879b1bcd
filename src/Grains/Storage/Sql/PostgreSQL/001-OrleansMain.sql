-- Orleans' query table (contract: dotnet/orleans src/AdoNet/Shared/PostgreSQL-Main.sql). The ADO.NET providers
-- read every statement they run from here, by key. Every script in this folder is idempotent: it runs at each
-- silo start (or once with `Silo --init-db`), in file-name order, under one advisory lock.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL,
    QueryText varchar(8000) NOT NULL,

    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);
