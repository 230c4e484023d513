-- Zendesk users (end users are customers), one row per user; inactive or deleted users flagged.
select
    {{ id_text(col('id')) }} as user_id,
    {{ id_text(col('organization_id')) }} as organization_id,
    {{ col('name') }} as name,
    {{ col('email') }} as email,
    {{ col('phone') }} as phone,
    {{ col('role') }} as role,
    {{ col('locale') }} as locale,
    {{ col('time_zone') }} as time_zone,
    {{ col('suspended') }} as is_suspended,
    {{ utc_timestamp(col('created_at')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('zendesk', 'users') }}
