# Benchmarks (bench/): see bench/README.md
