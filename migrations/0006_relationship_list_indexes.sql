-- Every exact and range filter of the Risk relationships list is served by
-- an index that starts with the tenant (`[contains]` scans the tenant's rows).
-- `relationship_number` and `entity_id` are already unique keys; `created_at`
-- and `modified_at` have theirs since 0003.
CREATE INDEX relationships_by_name ON relationships (tenant_id, name);
CREATE INDEX relationships_by_status ON relationships (tenant_id, status, created_at);
CREATE INDEX relationships_by_classification ON relationships (tenant_id, classification);
CREATE INDEX relationships_by_category ON relationships (tenant_id, category);
CREATE INDEX relationships_by_start ON relationships (tenant_id, start_effective_date);
