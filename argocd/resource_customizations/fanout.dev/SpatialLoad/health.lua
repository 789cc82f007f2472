-- Argo CD health of a Fanout resource (SpatialLoad and EnergySimulationBatch share it), from its status: the phase the
-- operator writes (Pending, Running, Aggregating, Succeeded, Failed, Suspended) and the Stalled condition.
local hs = {}
if obj.status == nil or obj.status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the Fanout operator to pick it up"
  return hs
end
local st = obj.status
if obj.metadata ~= nil and obj.metadata.generation ~= nil and st.observedGeneration ~= nil
    and st.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the Fanout operator to see generation " .. string.format("%d", obj.metadata.generation)
  return hs
end
local message = st.message or ""
if st.phase == "Succeeded" then
  hs.status = "Healthy"
elseif st.phase == "Failed" then
  hs.status = "Degraded"
elseif st.phase == "Suspended" then
  hs.status = "Suspended"
else
  hs.status = "Progressing"
  if st.conditions ~= nil then
    for _, c in ipairs(st.conditions) do
      if c.type == "Stalled" and c.status == "True" then
        hs.status = "Degraded"
        message = "Stalled (" .. (c.reason or "") .. "): " .. (c.message or "")
      end
    end
  end
end
hs.message = message
return hs
