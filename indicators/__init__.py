"""The indicator catalogue (CDC logic model) and the engine that computes, benchmarks and protects every figure."""
