-- migrate:up

-- The checked values' rules fix their search_path (Supabase's Security Advisor warns of every
-- function that does not). A constant function keeps being folded into its callers' plans with
-- one; internal.conforms stays without (the planner inlines it into every check: docs/design.md,
-- "Security Advisor").
alter function internal.value_rules() set search_path = pg_catalog, pg_temp;

-- migrate:down
alter function internal.value_rules() reset search_path;
