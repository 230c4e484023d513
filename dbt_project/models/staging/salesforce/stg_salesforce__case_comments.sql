-- Salesforce case comments, one row per comment.
select
    {{ id_text(col('Id')) }} as case_comment_id,
    {{ id_text(col('ParentId')) }} as case_id,
    {{ id_text(col('CreatedById')) }} as created_by_id,
    {{ col('CommentBody') }} as body,
    {{ col('IsPublished') }} as is_published,
    {{ utc_timestamp(col('CreatedDate')) }} as created_at,
    {{ utc_timestamp(col('SystemModstamp')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('salesforce', 'case_comments') }}
