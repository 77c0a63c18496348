import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { Tabs } from '@/components/tabs';

function Harness() {
  const [selected, setSelected] = useState('a');
  return (
    <Tabs label="Outputs" idPrefix="t" items={[{ id: 'a', label: 'A' }, { id: 'b', label: 'B' }, { id: 'c', label: 'C' }]} selected={selected} onSelect={setSelected}>
      <p>panel {selected}</p>
    </Tabs>
  );
}

test('arrow keys, Home and End move between tabs; only the selected tab is tabbable', async () => {
  render(<Harness />);
  const [a, b, c] = screen.getAllByRole('tab');
  expect(a).toHaveAttribute('tabindex', '0');
  expect(b).toHaveAttribute('tabindex', '-1');
  a.focus();
  await userEvent.keyboard('{ArrowRight}');
  expect(b).toHaveFocus();
  expect(b).toHaveAttribute('aria-selected', 'true');
  expect(screen.getByRole('tabpanel')).toHaveTextContent('panel b');
  await userEvent.keyboard('{End}');
  expect(c).toHaveFocus();
  await userEvent.keyboard('{ArrowRight}');
  expect(a).toHaveFocus();
  await userEvent.keyboard('{ArrowLeft}');
  expect(c).toHaveFocus();
});
