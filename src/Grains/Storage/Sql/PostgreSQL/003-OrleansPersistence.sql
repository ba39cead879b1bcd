-- Grain state for Orleans' ADO.NET grain storage (invariant "Npgsql"): AgentChannel grains and, in a cluster,
-- the stream pub-sub subscriptions (PubSubStore). Contract: dotnet/orleans PostgreSQL-Persistence.sql — the
-- provider binds @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
-- @GrainIdExtensionString, @ServiceId, @PayloadBinary, @GrainStateVersion and reads PayloadBinary, Version
-- and NewGrainStateVersion by name. State is written with Orleans' serializer (binary), so only PayloadBinary.
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer      NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    GrainTypeHash          integer      NOT NULL,
    GrainTypeString        varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512) NULL,
    ServiceId              varchar(150) NOT NULL,
    PayloadBinary          bytea        NULL,
    ModifiedOn             timestamp    NOT NULL,
    Version                integer      NULL
);

-- One row per grain, so two activations racing to create a grain's first state cannot both insert.
CREATE UNIQUE INDEX IF NOT EXISTS UX_OrleansStorage_Grain ON OrleansStorage
    (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString, COALESCE(GrainIdExtensionString, ''), ServiceId);

-- One statement: insert when the caller has no version, else update only if the stored version is the
-- caller's (optimistic concurrency); a caller with a version never re-creates a row that is gone. The new
-- version comes back when a row changed, the caller's own otherwise (the provider reports a conflict).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('WriteToStorageKey', '
    WITH written AS (
        INSERT INTO OrleansStorage
            (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId,
             PayloadBinary, ModifiedOn, Version)
        SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString,
               @ServiceId, @PayloadBinary, (now() AT TIME ZONE ''utc''), 1
        WHERE CAST(@GrainStateVersion AS integer) IS NULL
           OR EXISTS (SELECT 1 FROM OrleansStorage
                      WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
                        AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1 AND GrainTypeString = @GrainTypeString
                        AND COALESCE(GrainIdExtensionString, '''') = COALESCE(CAST(@GrainIdExtensionString AS varchar), '''')
                        AND ServiceId = @ServiceId)
        ON CONFLICT (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString, COALESCE(GrainIdExtensionString, ''''), ServiceId)
        DO UPDATE SET PayloadBinary = excluded.PayloadBinary, ModifiedOn = excluded.ModifiedOn,
                      Version = OrleansStorage.Version + 1
        WHERE OrleansStorage.Version = CAST(@GrainStateVersion AS integer)
        RETURNING Version
    )
    SELECT Version AS NewGrainStateVersion FROM written
    UNION ALL
    SELECT CAST(@GrainStateVersion AS integer) AS NewGrainStateVersion WHERE NOT EXISTS (SELECT 1 FROM written);
'),
('ReadFromStorageKey', '
    SELECT PayloadBinary, Version
    FROM OrleansStorage
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1 AND GrainTypeString = @GrainTypeString
      AND COALESCE(GrainIdExtensionString, '''') = COALESCE(CAST(@GrainIdExtensionString AS varchar), '''')
      AND ServiceId = @ServiceId
    LIMIT 1;
'),
('ClearStorageKey', '
    WITH cleared AS (
        UPDATE OrleansStorage
        SET PayloadBinary = NULL, ModifiedOn = (now() AT TIME ZONE ''utc''), Version = Version + 1
        WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
          AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1 AND GrainTypeString = @GrainTypeString
          AND COALESCE(GrainIdExtensionString, '''') = COALESCE(CAST(@GrainIdExtensionString AS varchar), '''')
          AND ServiceId = @ServiceId
          AND Version = CAST(@GrainStateVersion AS integer)
        RETURNING Version
    )
    SELECT Version AS NewGrainStateVersion FROM cleared
    UNION ALL
    SELECT CAST(@GrainStateVersion AS integer) AS NewGrainStateVersion WHERE NOT EXISTS (SELECT 1 FROM cleared);
')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
