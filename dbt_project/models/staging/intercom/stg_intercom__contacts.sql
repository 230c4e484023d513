-- Intercom contacts (users and leads), one row per contact; archived or deleted ones flagged.
select
    {{ id_text(col('id')) }} as contact_id,
    {{ id_text(col('external_id')) }} as external_id,
    {{ col('role') }} as role,
    {{ col('name') }} as name,
    {{ col('email') }} as email,
    {{ col('phone') }} as phone,
    {{ utc_timestamp(col('created_at')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('intercom', 'contacts') }}
