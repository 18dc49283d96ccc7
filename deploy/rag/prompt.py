"""The generator's prompt: instructions, the retrieved passages numbered for citation, the chat so far, the question.

Built with LangChain's ``ChatPromptTemplate``; the passages are numbered ``[1]`` to ``[k]`` in retrieval order and
each names its page and section, so that a citation in the answer points back to one chunk.
"""

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder

from rag.retrieve import Hit

REFUSAL = "I don't know."
SYSTEM = (
    "You are the tutor of the course ML Engineer's Roadmap. Answer the question in two or three sentences, using "
    "only the numbered context passages from the course. After each sentence, cite the passages it uses by their "
    "numbers in square brackets, like [1] or [2]. If the passages do not answer the question, reply only: "
    f"{REFUSAL}"
)
USER = "Context passages:\n{context}\n\nQuestion: {question}"

PROMPT = ChatPromptTemplate.from_messages([("system", SYSTEM), MessagesPlaceholder("history"), ("human", USER)])


def format_context(hits: list[Hit]) -> str:
    """The passages, numbered from 1, each with its page and heading path on its first line."""
    return "\n\n".join(
        f"[{number}] ({hit.chunk.source}, {hit.chunk.heading_path or 'top of page'})\n{hit.chunk.text}"
        for number, hit in enumerate(hits, start=1)
    )


def history_messages(turns: list[tuple[str, str]]) -> list[BaseMessage]:
    """Earlier (question, answer) turns as chat messages, oldest first."""
    return [message for question, answer in turns for message in (HumanMessage(question), AIMessage(answer))]


def prompt_inputs(question: str, hits: list[Hit], turns: list[tuple[str, str]]) -> dict:
    """The values that fill ``PROMPT``."""
    return {"context": format_context(hits), "question": question, "history": history_messages(turns)}
