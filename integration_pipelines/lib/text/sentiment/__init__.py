"""Sentiment scoring: one provider interface, an offline default and LLM providers behind it."""
