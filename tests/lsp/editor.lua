-- Drives `infrac lsp` from Neovim's own LSP client, headless, as a user's
-- editor would: open a site file, break it, fix it, jump to a host's
-- definition, complete a directive. Writes what it saw as JSON to OUT.
-- Arguments come as globals set with --cmd: INFRAC, ROOT, FILE, OUT.
local result = { steps = {} }
local function step(name, value) result.steps[name] = value end
local function finish()
  vim.fn.writefile({ vim.fn.json_encode(result) }, OUT)
  vim.cmd('qa!')
end

local publishes = 0
local client_id = vim.lsp.start_client({
  name = 'infrac',
  cmd = { INFRAC, 'lsp' },
  root_dir = ROOT,
  handlers = {
    ['textDocument/publishDiagnostics'] = function(err, res, ctx, config)
      publishes = publishes + 1
      return vim.lsp.handlers['textDocument/publishDiagnostics'](err, res, ctx, config)
    end,
  },
})
if not client_id then
  result.error = 'the client did not start'
  return finish()
end
vim.cmd('edit ' .. FILE)
local buf = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(buf, client_id)

local function diagnostics()
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(out, {
      code = d.code or lsp.code,
      lnum = d.lnum, col = d.col, end_col = d.end_col,
      message = d.message,
    })
  end
  return out
end
local function wait_publish(after)
  return vim.wait(10000, function() return publishes > after end, 20)
end

-- Opened: checked, clean.
step('opened', { published = wait_publish(0), diagnostics = diagnostics() })

-- A mistake: `on web1` becomes `on web9`.
local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
local on_line
for i, l in ipairs(lines) do if l:match('^%s*on ') then on_line = i end end
local before = publishes
vim.api.nvim_buf_set_lines(buf, on_line - 1, on_line, false, { '    on web9' })
vim.wait(10000, function() return #vim.diagnostic.get(buf) > 0 end, 20)
step('broken', { published = publishes > before, diagnostics = diagnostics() })

-- Fixed again: the diagnostic goes.
before = publishes
vim.api.nvim_buf_set_lines(buf, on_line - 1, on_line, false, { '    on web1' })
vim.wait(10000, function() return publishes > before and #vim.diagnostic.get(buf) == 0 end, 20)
step('fixed', { diagnostics = diagnostics() })

-- Go to definition on `web1`.
local params = {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  position = { line = on_line - 1, character = 8 },
}
local responses = vim.lsp.buf_request_sync(buf, 'textDocument/definition', params, 5000) or {}
local locations = {}
for _, r in pairs(responses) do
  if r.result then
    local loc = r.result
    if loc.uri then loc = { loc } end
    for _, l in ipairs(loc) do
      table.insert(locations, { uri = l.uri, line = l.range.start.line, character = l.range.start.character })
    end
  end
end
step('definition', locations)

-- Completion of a directive being typed in the site's block.
vim.api.nvim_buf_set_lines(buf, on_line, on_line, false, { '    pro' })
params = {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  position = { line = on_line, character = 7 },
}
responses = vim.lsp.buf_request_sync(buf, 'textDocument/completion', params, 5000) or {}
local labels = {}
for _, r in pairs(responses) do
  local items = r.result and (r.result.items or r.result) or {}
  for _, item in ipairs(items) do table.insert(labels, item.label) end
end
step('completion', labels)
finish()
