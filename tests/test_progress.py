"""Progress bars redraw a bounded number of times, so a notebook cell cannot flood the kernel's
message queue (nbval then loses the end of the cell and fails with a timeout)."""

import io
import math
import queue

import pytest

from companion.progress import progress_bar


def redraw_count(total, **options):
    out = io.StringIO()
    with progress_bar(total, "steps", file=out, min_seconds=0, **options) as bar:
        for step in range(total):
            bar.update(1)
            bar.set_postfix(step=step, refresh=False)
    return out.getvalue().count("\r")


@pytest.mark.parametrize("total", [1, 7, 25, 1000, 20000])
def test_redraws_are_bounded_by_the_setting(total):
    # One draw when the bar opens, at most `redraws` on the way, one when it closes.
    assert redraw_count(total) <= 25 + 2
    assert redraw_count(total, redraws=5) <= 5 + 2


def test_a_bar_of_unknown_length_redraws_at_most_once_per_interval():
    out = io.StringIO()
    with progress_bar(None, "bytes", file=out, min_seconds=3600) as bar:
        for _ in range(10000):
            bar.update(100)
    assert out.getvalue().count("\r") <= 2


@pytest.mark.parametrize(
    "arguments, named",
    [
        ({"total": -1}, "total"),
        ({"total": 2.5}, "total"),
        ({"total": 10, "redraws": 0}, "redraws"),
        ({"total": 10, "min_seconds": math.nan}, "min_seconds"),
        ({"total": 10, "min_seconds": "1"}, "min_seconds"),
    ],
)
def test_bad_arguments_are_named(arguments, named):
    arguments.setdefault("desc", "steps")
    with pytest.raises(ValueError, match=named):
        progress_bar(**arguments)


def test_a_notebook_cell_with_a_long_bar_sends_few_kernel_messages():
    """In a kernel the bar is a widget; read the messages only after the cell ends, as nbval does."""
    jupyter_client = pytest.importorskip("jupyter_client")
    manager, client = jupyter_client.manager.start_new_kernel(kernel_name="python3")
    try:
        message_id = client.execute(
            "from companion.progress import progress_bar\n"
            "with progress_bar(20000, 'steps', min_seconds=0) as bar:\n"
            "    for step in range(20000):\n"
            "        bar.update(1)\n"
            "        bar.set_postfix(step=step, refresh=False)\n"
        )
        reply = client.get_shell_msg(timeout=120)
        assert reply["parent_header"]["msg_id"] == message_id
        assert reply["content"]["status"] == "ok", reply["content"]
        messages = 0
        while True:
            try:
                message = client.get_iopub_msg(timeout=10)
            except queue.Empty:
                pytest.fail(f"the cell's 'idle' message was lost after {messages} messages")
            messages += 1
            if (
                message["parent_header"].get("msg_id") == message_id
                and message["msg_type"] == "status"
                and message["content"]["execution_state"] == "idle"
            ):
                break
        assert messages < 200
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
