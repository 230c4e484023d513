-- Zendesk organizations, one row per organization.
select
    {{ id_text(col('id')) }} as organization_id,
    {{ col('name') }} as name,
    {{ col('domain_names') }} as domain_names_json,
    {{ utc_timestamp(col('created_at')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('zendesk', 'organizations') }}
