//! A `GITHUB_OUTPUT` file read back as the runner reads it, so that the tests see the outputs
//! a workflow would.

/// Parses a `GITHUB_OUTPUT` file the way the Linux runner does (`FileCommandManager`): a
/// line ends at `\n` only, so a `\r` before it stays in the value; a line is `name=value` or
/// `name<<DELIMITER` by whichever of `=` and `<<` comes first; a block's value is its lines
/// up to the one that is exactly the delimiter; empty lines are skipped.
pub fn parse_github_output(text: &str) -> Vec<(String, String)> {
    let mut outputs = Vec::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        let equals = line.find('=');
        let heredoc = line.find("<<");
        match (equals, heredoc) {
            (Some(equals), _) if heredoc.is_none_or(|heredoc| equals < heredoc) => {
                outputs.push((line[..equals].to_owned(), line[equals + 1..].to_owned()));
            }
            (_, Some(heredoc)) => {
                let (name, delimiter) = (&line[..heredoc], &line[heredoc + 2..]);
                let mut value = Vec::new();
                loop {
                    let next = lines
                        .next()
                        .unwrap_or_else(|| panic!("block {name} is not closed"));
                    if next == delimiter {
                        break;
                    }
                    value.push(next);
                }
                outputs.push((name.to_owned(), value.join("\n")));
            }
            _ if line.is_empty() => {}
            _ => panic!("malformed output line {line:?}"),
        }
    }
    outputs
}

#[test]
fn only_a_line_feed_ends_a_line_as_on_the_runner() {
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    };
    assert_eq!(
        parse_github_output("a=1\r\nb<<EOF\nx\r\ny\nEOF\r\nEOF\n\nc=d<<e\n"),
        pairs(&[("a", "1\r"), ("b", "x\r\ny\nEOF\r"), ("c", "d<<e")])
    );
}

#[test]
#[should_panic(expected = "block b is not closed")]
fn a_delimiter_before_a_carriage_return_closes_no_block() {
    parse_github_output("b<<EOF\nx\r\nEOF\r\n");
}
