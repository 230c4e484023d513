-- Sentiment of every customer message: label, score in [-1, 1], confidence, and who scored it.
select
    {{ dbt.concat([col('source'), "':'", col('message_id')]) }} as message_key,
    {{ col('source') }} as source,
    {{ col('message_id') }} as message_id,
    {{ col('label') }} as sentiment_label,
    cast({{ col('score') }} as {{ dbt.type_float() }}) as sentiment_score,
    cast({{ col('confidence') }} as {{ dbt.type_float() }}) as sentiment_confidence,
    {{ col('provider') }} as sentiment_provider,
    {{ col('model') }} as sentiment_model,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('feedback', 'feedback_sentiment') }}
