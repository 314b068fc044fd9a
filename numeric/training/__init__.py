"""Training on a small GPT-style character model: the model (:mod:`numeric.training.tiny_gpt`), the corpus
(:mod:`numeric.training.char_corpus`), FA-Adam (:mod:`numeric.training.fa_adam`), one run
(:mod:`numeric.training.loop`), the paired-seed campaigns (:mod:`numeric.training.experiments`), the pinned CPU
kernels they train on (:mod:`numeric.training.kernels`) and their disk cache (:mod:`numeric.training.cache`)."""
